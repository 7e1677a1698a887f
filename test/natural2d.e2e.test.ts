/**
 * A natural-image dataset as nnU-Net's Dataset120_RoadSegmentation lays it out: one RGB `<case>_0000.png` per case
 * holding the three channels dataset.json declares (NaturalImage2DIO), grey label PNGs. Through the real CLI:
 * validation accepts the packed channels, the plan is 2d only with three normalized channels, training and
 * model selection run, and `nnunet predict` segments unseen RGB images.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImage, readSegmentation, writeImage } from '../src/imaging/index.js';
import { cli } from './engine/cli-harness.js';

const PIPELINE = new URL('../pipelines/nnunet.yaml', import.meta.url).pathname;
const [H, W] = [40, 48];
const flat = { dimension: 2 as const, itkSpacing: [1, 1], itkOrigin: [0, 0], itkDirection: [1, 0, 0, 1] };

/** A red disc on a noisy background; the label is the disc. Deterministic (LCG). */
async function writeCase(root: string, folder: string, id: string, rnd: () => number, withLabel: boolean): Promise<void> {
  const [cx, cy, r] = [10 + rnd() * 28, 10 + rnd() * 20, 6 + rnd() * 6];
  const rgb = new Uint8Array(3 * H * W);
  const seg = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      seg[i] = inside ? 1 : 0;
      // planar channels: R, G, B
      rgb[i] = inside ? 200 : 40 + rnd() * 30;
      rgb[H * W + i] = inside ? 80 : 60 + rnd() * 30;
      rgb[2 * H * W + i] = 100 + rnd() * 50;
    }
  }
  await writeImage(join(root, folder, `${id}_0000.png`), { data: rgb, channels: 3, shape: [1, H, W], spacing: [999, 1, 1], geometry: flat });
  if (withLabel) await writeImage(join(root, 'labelsTr', `${id}.png`), { data: seg, channels: 1, shape: [1, H, W], spacing: [999, 1, 1], geometry: flat });
}

async function roadDataset(dir: string): Promise<string> {
  const root = join(dir, 'Dataset120_Road');
  for (const f of ['imagesTr', 'labelsTr', 'imagesTs']) mkdirSync(join(root, f), { recursive: true });
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 10; i++) await writeCase(root, 'imagesTr', `road_${String(i).padStart(3, '0')}`, rnd, true);
  for (let i = 0; i < 2; i++) await writeCase(root, 'imagesTs', `test_${i}`, rnd, false);
  writeFileSync(join(root, 'dataset.json'), JSON.stringify({
    channel_names: { 0: 'R', 1: 'G', 2: 'B' }, labels: { background: 0, road: 1 }, numTraining: 10, file_ending: '.png',
  }, null, 1));
  return root;
}

describe('natural 2D images (RGB .png, three channels in one file)', () => {
  it('plans, trains, selects and predicts through the CLI', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnunet-natural2d-'));
    const dataset = await roadDataset(dir);
    const run = await cli(['run', PIPELINE, '--set', `dataset=${dataset}`, '--set', 'configurations=[2d]', '--set', 'folds=[0, 1]',
      '--set', 'train.epochs=2', '--set', 'train.iterations_per_epoch=5', '--set', 'train.val_iterations=2', '--set', 'train.seed=3', '-q'], dir);
    expect(run.code, run.err + run.out).toBe(0);
    expect(run.out).toMatch(/Chosen: nnUNetTrainer__nnUNetPlans__2d/);

    const plans = JSON.parse(readFileSync(join(dir, ...planPath(run.out, dir)), 'utf8'));
    expect(Object.keys(plans.configurations)).toEqual(['2d']);
    expect(plans.configurations['2d'].normalization_schemes).toEqual(['ZScoreNormalization', 'ZScoreNormalization', 'ZScoreNormalization']);

    const model = /-m (\S+)/.exec(run.out)?.[1];
    expect(model, run.out).toBeDefined();
    const out = join(dir, 'predictions');
    const predicted = await cli(['predict', '-i', join(dataset, 'imagesTs'), '-o', out, '-m', model!], dir);
    expect(predicted.code, predicted.err).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.png')).sort()).toEqual(['test_0.png', 'test_1.png']);
    for (const id of ['test_0', 'test_1']) {
      const seg = await readSegmentation(join(out, `${id}.png`));
      const image = await readImage([join(dataset, 'imagesTs', `${id}_0000.png`)]);
      expect(seg.shape).toEqual([1, H, W]);
      expect(image.channels).toBe(3);
      // the disc is where the red channel is bright: a trained model finds most of it
      let [tp, p, ref] = [0, 0, 0];
      for (let i = 0; i < H * W; i++) {
        const isRef = image.data[i] > 150;
        const isPred = seg.data[i] > 0;
        tp += Number(isRef && isPred);
        p += Number(isPred);
        ref += Number(isRef);
      }
      expect((2 * tp) / (p + ref), id).toBeGreaterThan(0.6);
    }
  });
});

/** The plan artifact's nnUNetPlans.json, through the run record the CLI names. */
function planPath(out: string, dir: string): string[] {
  const id = /run (\S+) succeeded/.exec(out)![1];
  const record = JSON.parse(readFileSync(join(dir, 'runs', id, 'run.json'), 'utf8')) as { nodes: Array<{ kind: string; outputs: { digest: string } | null }> };
  const plan = record.nodes.find((n) => n.kind === 'plan')!;
  return ['.nnunet', 'artifacts', plan.outputs!.digest, 'nnUNetPlans.json'];
}
