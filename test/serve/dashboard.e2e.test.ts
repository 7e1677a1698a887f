/**
 * `nnunet serve` in headless Chromium: the DAG of a run in another process updates over SSE (a node seen
 * running, then ran, with no reload); a failed action shows its error; the training curves of a small real
 * 2-fold run have one line per fold; the worst case opens in niivue and its canvas draws; compare shows the
 * changed param. Every request the pages make goes to the server itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinds } from '../../nodes/index.js';
import { EVENTS_FILE, runPipeline, type RunRecord } from '../../src/engine/index.js';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { TINY_PIPELINE } from '../report/tiny-run.js';

const CHROMIUM = '/usr/bin/chromium';
// WebGL for niivue on the CPU (SwiftShader), as in CI where there is no GPU
const ARGS = ['--headless', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
  '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BIN = resolve('bin/nnunet.js');

const LIVE_PIPELINE = `version: 1
name: live-toy
params: { wait: false }
nodes:
  first: { uses: command, with: { run: "echo one > a.txt", outs: [a.txt] } }
  # with wait=true it runs until the test creates the file 'go'
  slow: { uses: command, needs: [first], with: { run: "while \${params.wait} && [ ! -f go ]; do sleep 0.1; done; echo two > b.txt", outs: [b.txt] } }
  last: { uses: command, needs: [slow], with: { run: "echo three > c.txt", outs: [c.txt] } }
  broken: { uses: command, needs: [first], with: { run: "echo 'first line of the failure' >&2; echo 'second line' >&2; exit 3" } }
`;

describe.skipIf(!existsSync(CHROMIUM))('nnunet serve in Chromium', () => {
  let root: string;
  let store: string;
  let runs: string;
  let trained: RunRecord;
  let server: RunningServer;
  let browser: Browser;
  const offsite: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'nnunet-serve-'));
    [store, runs] = [join(root, 'store'), join(root, 'runs')];
    writeFileSync(join(root, 'tiny.yaml'), TINY_PIPELINE);
    writeFileSync(join(root, 'live.yaml'), LIVE_PIPELINE);
    trained = await runPipeline({ pipelineFile: join(root, 'tiny.yaml'), kinds, storeDir: store, runsDir: runs, quiet: true, set: { folds: '[0,1]', 'train.iterations_per_epoch': '1' } });
    expect(trained.status).toBe('succeeded');
    server = await startServer({ runsDir: runs, storeDir: store, port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url)) return route.continue();
      offsite.push(url);
      return route.abort();
    });
    await page.goto(new URL(path, server.url).href);
    return page;
  }

  it('shows a run in another process live: a node goes running -> ran without a reload; a failed action shows its error', async () => {
    const child: ChildProcess = spawn(process.execPath, [BIN, '--store', store, '--runs-dir', runs, 'run', 'live.yaml', '--set', 'wait=true', '-q'],
      { cwd: root, stdio: 'ignore' });
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    try {
      let id: string | undefined;
      const before = new Set([trained.id]);
      for (let i = 0; i < 300 && !id; i++) {
        id = readdirSync(runs).find((d) => !before.has(d) && existsSync(join(runs, d, EVENTS_FILE)));
        if (!id) await new Promise((r) => setTimeout(r, 100));
      }
      expect(id).toBeDefined();
      const page = await open(`/runs/${id}`);
      page.on('pageerror', (e) => offsite.push(`page error: ${e.message}`));
      const node = (name: string, status: string) => page.locator(`svg.dag g.node[data-node="${name}"][data-status="${status}"]`);
      await node('slow', 'running').waitFor({ timeout: 20_000 });
      await page.evaluate(() => { (globalThis as unknown as { stayed: boolean }).stayed = true; });
      expect(await node('last', 'pending').count()).toBe(1);
      writeFileSync(join(root, 'go'), '');
      await node('slow', 'ran').waitFor({ timeout: 30_000 });
      await node('last', 'ran').waitFor({ timeout: 30_000 });
      expect(await page.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed)).toBe(true);
      expect(await exited).toBe(1);

      // the run has ended and the page switched to its record: the failed action's error, in full
      await page.locator('#status [data-status="failed"]').waitFor({ timeout: 10_000 });
      await page.locator('svg.dag g.node[data-node="broken"]').click();
      const error = await page.locator('#panel pre.error').textContent({ timeout: 10_000 });
      expect(error).toContain('COMMAND_FAILED');
      expect(error).toContain('first line of the failure | second line');
      await page.locator('svg.dag g.node[data-node="slow"]').click();
      await expect.poll(() => page.locator('#panel .why').textContent()).toContain('never run');
      // the selected node is in the address: a reload (or a shared link) opens it again
      expect(new URL(page.url()).hash).toBe('#slow');
      await page.reload();
      await expect.poll(() => page.locator('#panel .why').textContent()).toContain('never run');
      await page.close();
    } finally {
      child.kill();
    }
  }, 90_000);

  it('draws one training curve per fold, and opens the worst case in niivue with a drawn canvas', async () => {
    const page = await open(`/runs/${trained.id}`);
    const dice = page.locator('.chart', { hasText: 'pseudo Dice (mean foreground)' });
    await dice.locator('canvas').waitFor();
    expect(await dice.getAttribute('data-series')).toBe('2');
    expect(await dice.locator('.u-legend tr.u-series').count()).toBe(3); // the x series and one per fold
    expect(await dice.locator('.u-legend').textContent()).toContain('3d_fullres fold 1');
    expect(await page.locator('.chart').count()).toBe(5);

    // the results load on their own request: wait for their rows
    await page.locator('table.cases tbody tr').first().waitFor();
    const means = (await page.locator('table.cases tbody tr td:last-child').allTextContents()).map(Number);
    expect(means.length).toBe(4);
    expect(means).toEqual([...means].sort((a, b) => a - b));
    expect(await page.locator('table.dice thead').textContent()).toContain('head (1)');
    await page.locator('table.cases tr[data-row="0"]').click();
    await expect.poll(() => page.locator('#viewer-status').textContent(), { timeout: 60_000 }).toContain('3 volumes loaded');
    await page.waitForTimeout(500);
    const png = PNG.sync.read(await page.locator('#niivue').screenshot());
    let lit = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] + png.data[i + 1] + png.data[i + 2] > 60) lit++;
    expect(lit / (png.width * png.height)).toBeGreaterThan(0.02);
    // 3D rendering draws too
    await page.locator('button[data-view="sliceTypeRender"]').click();
    await page.waitForTimeout(500);
    const png3d = PNG.sync.read(await page.locator('#niivue').screenshot());
    let lit3d = 0;
    for (let i = 0; i < png3d.data.length; i += 4) if (png3d.data[i] + png3d.data[i + 1] + png3d.data[i + 2] > 60) lit3d++;
    expect(lit3d).toBeGreaterThan(500);
    // other cases, one quickly after the other: the last one clicked is shown, on the same canvas (one WebGL context)
    const canvas = await page.locator('#niivue').elementHandle();
    await page.locator('table.cases tr[data-row="1"]').click();
    await page.locator('table.cases tr[data-row="2"]').click();
    await expect.poll(() => page.locator('#viewer-status').textContent(), { timeout: 60_000 }).toContain('3 volumes loaded');
    const third = (await page.locator('table.cases tr[data-row="2"] td').first().textContent())!.trim();
    expect(await page.locator('#viewer h2').textContent()).toContain(third);
    expect(await page.locator('canvas#niivue').count()).toBe(1);
    expect(await canvas!.evaluate((c) => c.isConnected)).toBe(true);
    writeFileSync(join(root, 'run.png'), await page.screenshot({ fullPage: true }));
    await page.close();
  }, 120_000);

  it('compares two runs picked on the runs page, showing the changed param', async () => {
    expect(offsite).toEqual([]);
    const other = await runPipeline({ pipelineFile: join(root, 'live.yaml'), kinds, storeDir: store, runsDir: runs, quiet: true, set: { wait: 'false' } });
    const page = await open('/');
    await page.locator('table.runs tbody tr').first().waitFor();
    await page.locator('select#pipeline').selectOption('live-toy');
    expect(await page.locator('table.runs tbody tr:not([hidden])').count()).toBe(2);
    for (const box of await page.locator('table.runs tbody tr:not([hidden]) input[type=checkbox]').all()) await box.check();
    await page.locator('button#compare').click();
    const row = page.locator('table.params tr[data-key="wait"]');
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(1).sort()).toEqual(['false', 'true']);
    expect(await page.locator('table.statuses').textContent()).toContain('first');
    expect(page.url()).toContain(other.id);
    await page.close();
    expect(offsite).toEqual([]);
  }, 60_000);
});
