/**
 * The run report of a real small pipeline run, rendered in headless Chromium: DAG, curves, Dice tables,
 * per-case table and overlays must be there and load without any network request.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactDir, type RunRecord } from '../../src/engine/index.js';
import { writeRunReport } from '../../src/report/index.js';
import { cli } from '../engine/cli-harness.js';
import { tinyProject, type TinyProject } from './tiny-run.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

describe.skipIf(!existsSync(CHROMIUM))('run report in Chromium', () => {
  let project: TinyProject;
  let record: RunRecord;
  let browser: Browser;
  beforeAll(async () => {
    project = tinyProject();
    record = await project.run();
    expect(record.nodes.filter((n) => n.error).map((n) => `${n.id}: ${n.error!.message}`)).toEqual([]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 400_000);
  afterAll(async () => {
    await browser?.close();
    project?.cleanup();
  });

  /** Opens a report file; every request that is not the file itself is counted and refused. */
  async function open(file: string) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url === `file://${file}`) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(`file://${file}`);
    return { page, requests };
  }

  it('renders the DAG, training curves, Dice tables, sorted cases and overlays of the run', async () => {
    const res = await cli(['--runs-dir', project.runs, '--store', project.store, 'report', record.id]);
    expect(res.code, res.err).toBe(0);
    const file = join(project.runs, record.id, 'report.html');
    expect(res.out).toContain('report.html');
    const { page, requests } = await open(file);

    expect(await page.locator('table.params').textContent()).toContain('train.epochs2');
    const nodeNames = [...new Set(record.nodes.map((n) => n.node))];
    expect(await page.locator('svg.dag g.node').count()).toBe(nodeNames.length);
    expect(await page.locator('svg.dag g.node[data-node="preprocess"]').textContent()).toContain('4 ran');
    expect(await page.locator('svg.dag path.edge').count()).toBeGreaterThanOrEqual(nodeNames.length - 1);

    // four charts for the one trained fold (loss, pseudo Dice, learning rate, and the epoch durations the action
    // record kept), each with a drawn line
    expect(await page.locator('svg.curve').count()).toBe(4);
    expect(await page.locator('svg.curve polyline').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('svg.curve').last().textContent()).toContain('epoch duration (s)');

    // Dice table: the fold row and the cross-validation row, with the numbers of the evaluate artifact's summary.json
    const evaluate = record.nodes.find((n) => n.kind === 'evaluate')!;
    const evalDir = await artifactDir(project.store, evaluate.outputs!.digest);
    const summary = JSON.parse(readFileSync(join(evalDir, 'crossval_results_folds_0', 'summary.json'), 'utf8'));
    const rows = await page.locator('table.dice tr').allTextContents();
    expect(rows).toHaveLength(3);
    const crossval = await page.locator('table.dice tr.crossval td').allTextContents();
    expect(crossval[crossval.length - 2]).toBe(summary.foreground_mean.Dice.toFixed(4));

    // per-case table: every validation case, worst first
    const caseRows = await page.locator('table.cases tr').count();
    expect(caseRows - 1).toBe(summary.metric_per_case.length);
    const means = (await page.locator('table.cases tr td:last-child').allTextContents()).map(Number);
    expect(means).toEqual([...means].sort((a, b) => a - b));

    // worst and best overlays decode in the browser
    const sizes = await page.locator('img.overlay').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
    expect(sizes).toHaveLength(2);
    expect(sizes.every((w) => w > 0)).toBe(true);

    expect(requests).toEqual([]);
    const shot = await page.screenshot({ fullPage: true });
    writeFileSync(join(project.runs, record.id, 'report.png'), shot);
    expect(PNG.sync.read(shot).height).toBeGreaterThan(900);
    await page.close();
  });

  it('still renders a partial run, saying what is missing', async () => {
    // only the planning half ran: no training, no validation
    const partial = await project.run(['plan', 'split']);
    const file = await writeRunReport(partial, { runsDir: project.runs });
    const { page } = await open(file);
    expect(await page.locator('svg.dag g.node').count()).toBe(6);
    expect(await page.locator('svg.dag g.node[data-status="cached"]').count()).toBe(6);
    expect(await page.locator('p.missing').allTextContents()).toEqual([
      'No training logs in this run.', 'No validation or cross-validation summaries in this run.',
      'No per-case metrics in this run.', 'No cases with image, reference and prediction to draw.',
    ]);
    await page.close();

    // the full run against an empty store: every artifact is missing, each one noted
    const orphan = await writeRunReport(record, { storeDir: join(project.root, 'empty-store'), out: join(project.root, 'orphan.html') });
    const o = await open(orphan);
    const notes = await o.page.locator('ul.notes li').allTextContents();
    expect(notes.some((n) => n.startsWith('train[configuration=3d_fullres,fold=0]: output') && n.includes('is not in the store'))).toBe(true);
    expect(await o.page.locator('svg.curve').count()).toBe(0);
    await o.page.close();

    // the report replaces its file by rename: a FIFO (or device, or link) there is refused, not replaced
    const fifo = join(project.root, 'fifo.html');
    execFileSync('mkfifo', [fifo]);
    await expect(writeRunReport(record, { storeDir: project.store, out: fifo })).rejects.toMatchObject({ code: 'CLI_NOT_A_FILE' });
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});
