import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSegmentation } from '../../src/imaging/index.js';
import type { ImageGeometry } from '../../src/imaging/volume.js';
import { evaluateCommand } from '../../src/cli/commands/evaluate.js';
import { main } from '../../src/cli/main.js';
import { parseSummary } from '../../nodes/evaluate/summary.js';

const dir = mkdtempSync(join(tmpdir(), 'nnunet-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const GEOM: ImageGeometry = { dimension: 3, itkSpacing: [1, 1, 1], itkOrigin: [0, 0, 0], itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

describe('nnunet evaluate on NIfTI folders', () => {
  it('writes summary.json with hand-checked Dice, empty-vs-empty NaN skipped', async () => {
    const pred = join(dir, 'pred');
    const ref = join(dir, 'ref');
    mkdirSync(pred);
    mkdirSync(ref);
    // case a: label 1 TP 2, FP 1, FN 0 -> Dice 0.8; label 2 absent in both -> NaN
    await writeSegmentation(join(ref, 'a.nii.gz'), Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0]), [2, 2, 2], GEOM);
    await writeSegmentation(join(pred, 'a.nii.gz'), Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 0]), [2, 2, 2], GEOM);
    // case b: label 2 perfect, label 1 missed entirely -> Dice 0
    await writeSegmentation(join(ref, 'b.nii.gz'), Uint8Array.from([2, 2, 1, 0, 0, 0, 0, 0]), [2, 2, 2], GEOM);
    await writeSegmentation(join(pred, 'b.nii.gz'), Uint8Array.from([2, 2, 0, 0, 0, 0, 0, 0]), [2, 2, 2], GEOM);
    writeFileSync(join(pred, 'dataset.json'), JSON.stringify({ labels: { background: 0, a: 1, b: 2 }, file_ending: '.nii.gz', channel_names: { 0: 'MRI' }, numTraining: 2 }));
    const lines: string[] = [];
    expect(await evaluateCommand(pred, ref, {}, (l) => lines.push(l))).toBe(0);
    const s = parseSummary(readFileSync(join(pred, 'summary.json'), 'utf8'));
    expect(s.metric_per_case).toHaveLength(2);
    expect(s.metric_per_case[0].metrics['2'].Dice).toBeNaN();
    expect(s.mean['1'].Dice).toBeCloseTo(0.4, 10);
    expect(s.mean['2'].Dice).toBe(1);
    expect(s.foreground_mean.Dice).toBeCloseTo(0.7, 10);
    // -l overrides dataset.json
    expect(await evaluateCommand(pred, ref, { labels: [1], output: join(dir, 's1.json') }, () => undefined)).toBe(0);
    expect(Object.keys(parseSummary(readFileSync(join(dir, 's1.json'), 'utf8')).mean)).toEqual(['1']);
  });
  it('names the missing reference', async () => {
    const pred = join(dir, 'p2');
    mkdirSync(pred);
    await writeSegmentation(join(pred, 'x.nii.gz'), new Uint8Array(8), [2, 2, 2], GEOM);
    await expect(evaluateCommand(pred, join(dir, 'ref'), { labels: [1], chill: true }, () => undefined))
      .rejects.toMatchObject({ code: 'EVALUATE_MISSING_REFERENCE', message: expect.stringContaining('x.nii.gz') });
  });
  it("as nnU-Net's compute_metrics_on_folder: every reference needs a prediction, unless --chill", async () => {
    const pred = join(dir, 'p3');
    mkdirSync(pred);
    await writeSegmentation(join(pred, 'a.nii.gz'), Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0]), [2, 2, 2], GEOM);
    await expect(evaluateCommand(pred, join(dir, 'ref'), { labels: [1] }, () => undefined))
      .rejects.toMatchObject({ code: 'EVALUATE_MISSING_PREDICTION', message: expect.stringContaining('without a prediction in') });
    expect(await evaluateCommand(pred, join(dir, 'ref'), { labels: [1], chill: true }, () => undefined)).toBe(0);
    const s = parseSummary(readFileSync(join(pred, 'summary.json'), 'utf8'));
    expect(s.metric_per_case.map((c) => c.reference_file)).toEqual([join(dir, 'ref', 'a.nii.gz')]);
    expect(s.mean['1'].Dice).toBe(1);
  });

  it("nnUNetv2_evaluate_folder's flags: -djfile names the dataset.json (it used to parse as -d jfile), -pfile and -np are accepted", async () => {
    const out = join(dir, 'nnunet-flags.json');
    writeFileSync(join(dir, 'ds-one-label.json'), JSON.stringify({ labels: { background: 0, a: 1 }, file_ending: '.nii.gz', channel_names: { 0: 'MRI' }, numTraining: 2 }));
    expect(await main(['node', 'nnunet', 'evaluate', join(dir, 'pred'), join(dir, 'ref'), '-djfile', join(dir, 'ds-one-label.json'), '-pfile', join(dir, 'plans.json'),
      '-np', '2', '-o', out])).toBe(0);
    expect(Object.keys(parseSummary(readFileSync(out, 'utf8')).mean)).toEqual(['1']);
  });

  it('a missing folder and a dataset.json that is not JSON are named, not internal errors', async () => {
    await expect(evaluateCommand(join(dir, 'nope'), dir, { labels: [1] }, () => undefined)).rejects.toMatchObject({ code: 'CLI_USAGE', message: `the prediction folder ${join(dir, 'nope')} is not a folder` });
    writeFileSync(join(dir, 'bad.json'), 'version: 1\n');
    await expect(evaluateCommand(dir, dir, { datasetJson: join(dir, 'bad.json') }, () => undefined))
      .rejects.toMatchObject({ code: 'EVALUATE_BAD_DATASET_JSON', message: expect.stringContaining(`${join(dir, 'bad.json')}:1:1: dataset.json is not valid JSON`) });
  });
});
