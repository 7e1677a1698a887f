#!/usr/bin/env node
/* global process, console */
// Builds the oneDNN addon (native/) during `npm ci` / `npm install`. Never fails the install: without oneDNN
// headers or on a failed compile it prints ONE line saying how to get the fast path and exits 0, and nnU-Net
// runs on pure tfjs. NNUNET_SKIP_ADDON=1 skips the build. The compiler log goes to native/build/build-addon.log.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const HOW = 'for the fast CPU path install oneDNN and rerun `npm run build:addon`: '
  + 'apt-get install libdnnl-dev | brew install onednn | conda install -c conda-forge onednn';

/** Include folders that may hold oneapi/dnnl/dnnl.hpp, most specific first. */
function candidatePrefixes() {
  const fromEnv = [process.env.DNNL_ROOT, process.env.CONDA_PREFIX, process.env.HOMEBREW_PREFIX].filter(Boolean);
  return [...fromEnv, '/usr', '/usr/local', '/opt/homebrew', '/opt/intel/oneapi/dnnl/latest'];
}

function findOneDnn() {
  if (process.env.DNNL_INCLUDE_DIR && existsSync(join(process.env.DNNL_INCLUDE_DIR, 'oneapi/dnnl/dnnl.hpp'))) {
    return { include: process.env.DNNL_INCLUDE_DIR, lib: process.env.DNNL_LIB_DIR ?? '' };
  }
  for (const prefix of candidatePrefixes()) {
    if (existsSync(join(prefix, 'include/oneapi/dnnl/dnnl.hpp'))) {
      // System folders are on the compiler's default paths; passing them again is harmless but noisy.
      const system = prefix === '/usr';
      return { include: system ? '' : join(prefix, 'include'), lib: system ? '' : join(prefix, 'lib') };
    }
  }
  return undefined;
}

/** Node's own headers when they sit beside the binary (distro and official builds): no download needed. */
function nodeDir() {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined;
}

function main() {
  if (process.env.NNUNET_SKIP_ADDON === '1') {
    console.log('nnunet: NNUNET_SKIP_ADDON=1, oneDNN addon not built (pure tfjs will be used)');
    return;
  }
  const dnnl = findOneDnn();
  if (!dnnl) {
    console.log(`nnunet: oneDNN headers not found, using pure tfjs; ${HOW}`);
    return;
  }
  const require = createRequire(import.meta.url);
  let gyp;
  try {
    gyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    console.log(`nnunet: node-gyp not installed, oneDNN addon not built; run npm ci, then npm run build:addon`);
    return;
  }
  const args = [gyp, 'rebuild'];
  const nd = nodeDir();
  if (nd) args.push(`--nodedir=${nd}`);
  const r = spawnSync(process.execPath, args, {
    cwd: nativeDir,
    encoding: 'utf8',
    env: { ...process.env, DNNL_INCLUDE_DIR: dnnl.include, DNNL_LIB_DIR: dnnl.lib },
  });
  mkdirSync(join(nativeDir, 'build'), { recursive: true });
  const logFile = join(nativeDir, 'build', 'build-addon.log');
  writeFileSync(logFile, `${r.stdout ?? ''}\n${r.stderr ?? ''}\n${r.error ? String(r.error) : ''}`);
  if (r.status === 0 && existsSync(join(nativeDir, 'build/Release/nnunet_dnnl.node'))) {
    console.log('nnunet: built the oneDNN addon (native/build/Release/nnunet_dnnl.node)');
  } else {
    console.log(`nnunet: oneDNN addon build failed (log: ${logFile}), using pure tfjs; ${HOW}`);
  }
}

main();
