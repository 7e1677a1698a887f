/**
 * Imaging benchmark (issue 3): a 512x512x300 int16 CT-like volume and a 4-label segmentation through
 * write, read, crop, normalize and resampling to 1.5x the spacing (data order 3, seg one-hot order 1), with
 * seconds and peak RSS. The two resamplings also run in nnU-Net's Python path (scripts/golden/
 * imaging_resample_ref.py: scipy/skimage as nnU-Net calls them) on the same arrays in the same run; each
 * side runs in its own child process so peak RSS is per side, and the outputs are compared.
 * Env: IMAGING_BENCH_SHAPE=z,y,x (default 300,512,512), PYTHON (default /usr/bin/python3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  computeNewShape,
  cropToNonzero,
  normalize,
  readImage,
  readNpy,
  readSegmentation,
  resampleDataOrSegToShape,
  resampleDataOrSegToShapeParallel,
  ImagingPool,
  writeImage,
  writeNpy,
  writeSegmentation,
  type ImageGeometry,
  type Shape3,
} from '../src/imaging/index.js';

const SELF = fileURLToPath(import.meta.url);
const PY_REF = fileURLToPath(new URL('../scripts/golden/imaging_resample_ref.py', import.meta.url));
const SPACING: Shape3 = [1.25, 0.7, 0.7];
const TARGET: Shape3 = [1.875, 1.05, 1.05];
const CT_PROPS = { mean: 40, std: 180, percentile_00_5: -900, percentile_99_5: 1400 };

/**
 * Peak RSS of this process image. VmHWM, not getrusage: Linux carries ru_maxrss across fork+exec, so a child
 * spawned by a big parent would report the parent's size.
 */
const maxRssMb = (): number => {
  const hwm = /VmHWM:\s*(\d+) kB/.exec(existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '');
  return hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
};

/** Body cylinder of soft tissue with a bone ring and noise, 0 outside (so cropping has work), and 4 organs. */
function synthesize(shape: Shape3): { image: Int16Array; seg: Uint8Array } {
  const [Z, Y, X] = shape;
  const image = new Int16Array(Z * Y * X);
  const seg = new Uint8Array(Z * Y * X);
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 60;
  const organs = [
    [0.5, 0.45, 0.35, 0.12],
    [0.4, 0.6, 0.6, 0.1],
    [0.6, 0.35, 0.65, 0.08],
    [0.3, 0.55, 0.4, 0.06],
  ];
  let i = 0;
  for (let z = 0; z < Z; z++) {
    const zz = z / Z;
    for (let y = 0; y < Y; y++) {
      const yy = y / Y;
      for (let x = 0; x < X; x++, i++) {
        const xx = x / X;
        const r = Math.hypot((xx - 0.5) / 0.42, (yy - 0.5) / 0.34);
        if (r > 1 || zz < 0.05 || zz > 0.95) continue;
        image[i] = r > 0.9 ? 700 + noise() : 40 + noise();
        for (let k = 0; k < organs.length; k++) {
          const [oz, oy, ox, or] = organs[k];
          if (Math.hypot(zz - oz, yy - oy, xx - ox) < or) {
            seg[i] = k + 1;
            image[i] = 80 + 30 * k + noise();
          }
        }
      }
    }
  }
  return { image, seg };
}

interface Row {
  step: string;
  seconds: number;
  rssMb: number;
  python?: { seconds: number; rssMb: number };
  note?: string;
}

async function timed<T>(rows: Row[], step: string, fn: () => Promise<T> | T): Promise<T> {
  const t = performance.now();
  const out = await fn();
  rows.push({ step, seconds: (performance.now() - t) / 1000, rssMb: maxRssMb() });
  return out;
}

function child(cmd: string, args: string[]): { seconds: number; startup?: number; max_rss_mb: number } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as { seconds: number; startup?: number; max_rss_mb: number };
}

/**
 * Child mode: one resampling of an .npy (C, ...shape) array, printing seconds and this process's peak RSS;
 * `threads` > 0 uses a warmed worker pool (its start-up, tsx compiling the workers, is reported apart).
 */
async function childResample(src: string, dst: string, kind: 'data' | 'seg', order: number, threads: number): Promise<void> {
  const { data, shape } = await readNpy(src);
  const spatial = shape.slice(1) as Shape3;
  const args = [data, shape[0], spatial, computeNewShape(spatial, SPACING, TARGET), SPACING, TARGET, kind === 'seg', order, 0] as const;
  let out;
  let t = performance.now();
  let startup = 0;
  if (threads > 0) {
    const pool = new ImagingPool(threads);
    await pool.warm();
    startup = (performance.now() - t) / 1000;
    t = performance.now();
    out = await resampleDataOrSegToShapeParallel(pool, ...args);
    await pool.close();
  } else {
    out = resampleDataOrSegToShape(...args);
  }
  const seconds = (performance.now() - t) / 1000;
  await writeNpy(dst, out, [shape[0], ...computeNewShape(spatial, SPACING, TARGET)]);
  console.log(JSON.stringify({ seconds, startup, max_rss_mb: maxRssMb() }));
}

async function compare(a: string, b: string, isSeg: boolean): Promise<string> {
  const x = (await readNpy(a)).data;
  const y = (await readNpy(b)).data;
  if (x.length !== y.length) return `shape differs (${x.length} vs ${y.length})`;
  let worst = 0;
  let differ = 0;
  for (let i = 0; i < x.length; i++) {
    if (isSeg) differ += x[i] !== y[i] ? 1 : 0;
    else worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(Math.abs(y[i]), 1));
  }
  return isSeg ? `${differ} voxels differ from Python` : `max rel diff vs Python ${worst.toExponential(1)}`;
}

export async function run(): Promise<void> {
  const shape = (process.env.IMAGING_BENCH_SHAPE?.split(',').map(Number) ?? [300, 512, 512]) as Shape3;
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const dir = mkdtempSync(join(tmpdir(), 'nnunet-bench-imaging-'));
  const rows: Row[] = [];
  try {
    const { image, seg } = synthesize(shape);
    const geometry: ImageGeometry = { dimension: 3, itkSpacing: [SPACING[2], SPACING[1], SPACING[0]], itkOrigin: [0, 0, 0], itkDirection: [-1, 0, 0, 0, -1, 0, 0, 0, 1] };
    const imgFile = join(dir, 'ct_0000.nii.gz');
    const segFile = join(dir, 'ct.nii.gz');
    await timed(rows, 'write image .nii.gz', () => writeImage(imgFile, { data: image, channels: 1, shape, spacing: SPACING, geometry }));
    await timed(rows, 'write seg .nii.gz', () => writeSegmentation(segFile, seg, shape, geometry));
    const vol = await timed(rows, 'read image', () => readImage([imgFile]));
    const lab = await timed(rows, 'read seg', () => readSegmentation(segFile));
    const cropped = await timed(rows, 'crop to nonzero', () => cropToNonzero(vol.data, 1, vol.shape, lab.data));
    await timed(rows, 'normalize (CT)', () => normalize(cropped.data, 1, cropped.shape, cropped.seg, ['CTNormalization'], [false], { 0: CT_PROPS }));
    rows[rows.length - 1].note = `cropped to [${cropped.shape.join(', ')}] -> [${computeNewShape(cropped.shape, SPACING, TARGET).join(', ')}]`;
    const dataNpy = join(dir, 'data.npy');
    const segNpy = join(dir, 'seg.npy');
    await writeNpy(dataNpy, cropped.data, [1, ...cropped.shape]);
    await writeNpy(segNpy, cropped.seg, [1, ...cropped.shape]);
    for (const [kind, src, order] of [['data', dataNpy, 3], ['seg', segNpy, 1]] as const) {
      const theirs = child(python, [PY_REF, src, join(dir, `${kind}-py.npy`), kind, String(order), SPACING.join(','), TARGET.join(',')]);
      for (const threads of [0, availableParallelism()]) {
        const ours = child(process.execPath, ['--import', 'tsx', SELF, '--child', src, join(dir, `${kind}-ts.npy`), kind, String(order), String(threads)]);
        rows.push({
          step: `resample ${kind} (order ${order}${threads > 0 ? `, ${threads} worker threads` : ', 1 thread'})`,
          seconds: ours.seconds,
          rssMb: ours.max_rss_mb,
          python: { seconds: theirs.seconds, rssMb: theirs.max_rss_mb },
          note:
            (await compare(join(dir, `${kind}-ts.npy`), join(dir, `${kind}-py.npy`), kind === 'seg')) +
            (ours.startup ? `; pool start-up ${ours.startup.toFixed(2)} s not included` : ''),
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`imaging on [${shape.join(', ')}] int16, spacing ${SPACING.join('x')} -> ${TARGET.join('x')} (peak RSS: cumulative for in-process steps, per child for resampling)`);
  console.log('| step | seconds | peak RSS MB | nnU-Net Python s | Python peak MB | time ratio (ours/Python) | memory ratio | note |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const p = r.python;
    console.log(
      `| ${r.step} | ${r.seconds.toFixed(2)} | ${r.rssMb.toFixed(0)} | ${p ? p.seconds.toFixed(2) : '-'} | ${p ? p.rssMb.toFixed(0) : '-'} | ` +
        `${p ? (r.seconds / p.seconds).toFixed(2) : '-'} | ${p ? (r.rssMb / p.rssMb).toFixed(2) : '-'} | ${r.note ?? ''} |`,
    );
  }
}

if (process.argv[1] === SELF && process.argv[2] === '--child') {
  const [src, dst, kind, order, threads] = process.argv.slice(3);
  await childResample(src, dst, kind as 'data' | 'seg', Number(order), Number(threads));
}
