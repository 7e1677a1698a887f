import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertMsd } from '../../src/cli/commands/convert-msd.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { itkRead, itkWrite } from '../../src/imaging/io/itk.js';
import { readImage } from '../../src/imaging/index.js';

const root = mkdtempSync(join(tmpdir(), 'plan-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const logs: string[] = [];
const log = (l: string) => logs.push(l);

describe('nnunet plan --fingerprint --dataset-json', () => {
  it('plans from nnU-Net files with no images: the spec §3.11 Hippocampus plans', async () => {
    const dir = join(root, 'Dataset004_Hippocampus');
    mkdirSync(dir);
    const props = { max: 1, mean: 0.5, median: 0.5, min: 0, percentile_00_5: 0, percentile_99_5: 1, std: 0.25 };
    writeFileSync(join(dir, 'dataset_fingerprint.json'), JSON.stringify({
      foreground_intensity_properties_per_channel: { 0: props }, median_relative_size_after_cropping: 1.0,
      shapes_after_crop: new Array(260).fill([36, 50, 35]), spacings: new Array(260).fill([1, 1, 1]),
    }));
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ channel_names: { 0: 'MRI' }, labels: { background: 0, Anterior: 1, Posterior: 2 }, numTraining: 260, file_ending: '.nii.gz' }));
    const out = join(root, 'out');
    const rec = await planCommand(undefined, {
      out, fingerprint: join(dir, 'dataset_fingerprint.json'), datasetJson: join(dir, 'dataset.json'), planner: 'default',
      storeDir: join(root, 'store'), runsDir: join(root, 'runs'),
    }, log);
    expect(rec.status).toBe('succeeded');
    const plans = JSON.parse(readFileSync(join(out, 'nnUNetPlans.json'), 'utf8'));
    expect(plans.dataset_name).toBe('Dataset004_Hippocampus');
    expect(plans.configurations['3d_fullres'].patch_size).toEqual([40, 56, 40]);
    expect(plans.configurations['3d_fullres'].batch_size).toBe(9);
    expect(plans.configurations['2d'].batch_size).toBe(366);
    expect(plans.foreground_intensity_properties_per_channel).toEqual({ 0: props });
    expect(existsSync(join(out, 'dataset.json'))).toBe(true);
    expect(logs.some((l) => l.startsWith('3d_fullres: patch 40x56x40, batch 9'))).toBe(true);

    // a custom configuration added by hand survives re-planning (nnU-Net's save_plans)
    const edited = JSON.parse(readFileSync(join(out, 'nnUNetPlans.json'), 'utf8'));
    edited.configurations.big = { inherits_from: '3d_fullres', batch_size: 4 };
    writeFileSync(join(out, 'nnUNetPlans.json'), JSON.stringify(edited));
    await planCommand(undefined, { out, fingerprint: join(dir, 'dataset_fingerprint.json'), datasetJson: join(dir, 'dataset.json'), planner: 'default',
      storeDir: join(root, 'store'), runsDir: join(root, 'runs') }, log);
    const replanned = JSON.parse(readFileSync(join(out, 'nnUNetPlans.json'), 'utf8'));
    expect(Object.keys(replanned.configurations)).toEqual(['2d', '3d_fullres', 'big']);

    // a ResEnc preset writes its own plans file
    const again = await planCommand(undefined, { out, fingerprint: join(dir, 'dataset_fingerprint.json'), datasetJson: join(dir, 'dataset.json'),
      planner: 'resenc-l', storeDir: join(root, 'store'), runsDir: join(root, 'runs') }, log);
    expect(again.status).toBe('succeeded');
    expect(JSON.parse(readFileSync(join(out, 'nnUNetResEncUNetLPlans.json'), 'utf8')).experiment_planner_used).toBe('nnUNetPlannerResEncL');
  });

  it('usage errors', async () => {
    await expect(planCommand(undefined, { out: root, planner: 'default' }, log)).rejects.toMatchObject({ code: 'CLI_USAGE' });
  });

  it('a broken fingerprint file fails the run with every problem', async () => {
    const fp = join(root, 'bad_fp.json');
    writeFileSync(fp, JSON.stringify({ spacings: [[1, 1]], shapes_after_crop: [] }));
    writeFileSync(join(root, 'ds.json'), JSON.stringify({ channel_names: { 0: 'CT' }, labels: { background: 0, a: 1 }, numTraining: 1, file_ending: '.nii.gz' }));
    const err = await planCommand(undefined, { out: join(root, 'o2'), fingerprint: fp, datasetJson: join(root, 'ds.json'), planner: 'default',
      storeDir: join(root, 'store'), runsDir: join(root, 'runs') }, log).catch((e) => e);
    expect(err.code).toBe('RUN_FAILED');
    expect(err.message).toContain('PLAN_INVALID_INPUT');
  });

  it('a spacing too anisotropic for any patch fails the plan node by name, storing no plans with NaN in them', async () => {
    const fp = join(root, 'flat_fp.json');
    const props = { max: 1, mean: 0.5, median: 0.5, min: 0, percentile_00_5: 0, percentile_99_5: 1, std: 0.25 };
    writeFileSync(fp, JSON.stringify({ foreground_intensity_properties_per_channel: { 0: props }, median_relative_size_after_cropping: 1.0,
      shapes_after_crop: [[6, 7, 8], [6, 7, 8]], spacings: [[1e8, 1, 1], [1e8, 1, 1]] }));
    writeFileSync(join(root, 'ds1.json'), JSON.stringify({ channel_names: { 0: 'MRI' }, labels: { background: 0, a: 1 }, numTraining: 2, file_ending: '.nii.gz' }));
    const err = await planCommand(undefined, { out: join(root, 'o3'), fingerprint: fp, datasetJson: join(root, 'ds1.json'), planner: 'default',
      storeDir: join(root, 'store'), runsDir: join(root, 'runs') }, log).catch((e) => e);
    expect(err.code).toBe('RUN_FAILED');
    expect(err.message).toMatch(/cannot plan (3d_fullres|3d_lowres|2d): patch size .* the spacing is too anisotropic for any patch/);
    expect(err.message).toContain('PLAN_DEGENERATE');
  });

  it('a CT channel without foreground statistics (no label has a foreground voxel) fails by channel, not as NaN data', async () => {
    const fp = join(root, 'bg_fp.json');
    const empty = '{"max": NaN, "mean": NaN, "median": NaN, "min": NaN, "percentile_00_5": NaN, "percentile_99_5": NaN, "std": NaN}';
    writeFileSync(fp, `{"foreground_intensity_properties_per_channel": {"0": ${empty}}, "median_relative_size_after_cropping": 1.0, `
      + '"shapes_after_crop": [[20, 20, 20], [20, 20, 20]], "spacings": [[1, 1, 1], [1, 1, 1]]}');
    writeFileSync(join(root, 'ds2.json'), JSON.stringify({ channel_names: { 0: 'CT' }, labels: { background: 0, a: 1 }, numTraining: 2, file_ending: '.nii.gz' }));
    const err = await planCommand(undefined, { out: join(root, 'o4'), fingerprint: fp, datasetJson: join(root, 'ds2.json'), planner: 'default',
      storeDir: join(root, 'store'), runsDir: join(root, 'runs') }, log).catch((e) => e);
    expect(err.code).toBe('RUN_FAILED');
    expect(err.message).toContain('channel 0 (CT) has no foreground intensity statistics');
    expect(err.message).toContain('PLAN_NO_FOREGROUND');
  });
});

describe('nnunet convert-msd', () => {
  it('splits 4D images into channels, copies labels, rewrites dataset.json like nnU-Net', async () => {
    const task = join(root, 'Task05_Prostate');
    for (const d of ['imagesTr', 'labelsTr', 'imagesTs']) mkdirSync(join(task, d), { recursive: true });
    const [x, y, z, t] = [4, 3, 2, 2];
    const data = Int16Array.from({ length: x * y * z * t }, (_, i) => i);
    const geometry = { spacing: [0.6, 0.6, 3.6, 1], origin: [1, 2, 3, 0], direction: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] };
    await itkWrite(join(task, 'imagesTr', 'prostate_00.nii.gz'), { dimension: 4, size: [x, y, z, t], components: 1, data, ...geometry });
    await itkWrite(join(task, 'imagesTs', 'prostate_01.nii.gz'), { dimension: 4, size: [x, y, z, t], components: 1, data, ...geometry });
    await itkWrite(join(task, 'labelsTr', 'prostate_00.nii.gz'), { dimension: 3, size: [x, y, z], components: 1, data: new Uint8Array(x * y * z),
      spacing: [0.6, 0.6, 3.6], origin: [1, 2, 3], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
    writeFileSync(join(task, '._junk.nii.gz'), '');
    writeFileSync(join(task, 'dataset.json'), JSON.stringify({
      name: 'PROSTATE', modality: { 0: 'T2', 1: 'ADC' }, labels: { 0: 'background', 1: 'PZ', 2: 'TZ' }, numTraining: 1, numTest: 1,
      training: [{ image: './imagesTr/prostate_00.nii.gz', label: './labelsTr/prostate_00.nii.gz' }], test: ['./imagesTs/prostate_01.nii.gz'],
    }));
    const target = await convertMsd(task, { out: join(root, 'raw') }, log);
    expect(target).toBe(join(root, 'raw', 'Dataset005_Prostate'));
    const ds = readFileSync(join(target, 'dataset.json'), 'utf8');
    expect(JSON.parse(ds)).toEqual({ name: 'PROSTATE', labels: { background: 0, PZ: 1, TZ: 2 }, numTraining: 1, numTest: 1,
      file_ending: '.nii.gz', channel_names: { 0: 'T2', 1: 'ADC' } });
    expect(Object.keys(JSON.parse(ds))).toEqual(['name', 'labels', 'numTraining', 'numTest', 'file_ending', 'channel_names']);
    const c1 = await itkRead(join(target, 'imagesTr', 'prostate_00_0001.nii.gz'));
    expect(c1.dimension).toBe(3);
    expect(c1.data).toBeInstanceOf(Int16Array);
    expect(Array.from(c1.data as Int16Array)).toEqual(Array.from(data.slice(24, 48)));
    expect(c1.origin).toEqual([1, 2, 3]);
    const vol = await readImage([join(target, 'imagesTs', 'prostate_01_0000.nii.gz'), join(target, 'imagesTs', 'prostate_01_0001.nii.gz')]);
    expect(vol.channels).toBe(2);
    expect(vol.spacing.map((s) => Number(s.toFixed(4)))).toEqual([3.6, 0.6, 0.6]);
    expect(existsSync(join(target, 'labelsTr', 'prostate_00.nii.gz'))).toBe(true);
    await expect(convertMsd(task, { out: join(root, 'raw') }, log)).rejects.toMatchObject({ code: 'MSD_TARGET_EXISTS' });
    await expect(convertMsd(join(root, 'raw'), { out: root }, log)).rejects.toMatchObject({ code: 'MSD_BAD_FOLDER' });
  });
});
