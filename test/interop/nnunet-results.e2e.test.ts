// issue 15: a model written in nnU-Net's format (results layout, checkpoint_final.pth, postprocessing.pkl,
// inference_information.json) predicts through `nnunet predict -m` exactly as the same model in our format.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage, readSegmentation, writeImage } from '../../src/imaging/index.js';
import { rasReorientation, reorientVolume, undoReorientation } from '../../src/imaging/io/reorient.js';
import { predictCommand, type PredictCommandOptions } from '../../src/cli/commands/predict.js';
import { exportCommand } from '../../src/cli/commands/export.js';
import { main } from '../../src/cli/main.js';
import { zipFolder } from '../../nodes/export/export-model.js';
import { openModel } from '../../nodes/predict/model.js';
import { readNnunetCheckpoint } from '../../src/interop/pth/nnunet-checkpoint.js';
import { networkFromCheckpoint } from '../../src/interop/pth/network.js';
import { zipBuffer } from '../../src/nn/predict/zip.js';
import type { PlansArchitecture } from '../../src/nn/unet/index.js';
import { zipBomb } from './zip-bomb.js';
import { writeTinyImage, writeTinyModel } from '../predict/tiny-model.js';

const dir = mkdtempSync(join(tmpdir(), 'nnunet-results-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ours = join(dir, 'ours');
const results = join(dir, 'nnUNet_results', 'Dataset999_Tiny');
const input = join(dir, 'in');
const base: PredictCommandOptions = { input: [input], output: '', model: ours, tta: true, stepSize: 0.5, postprocessing: true, numParts: 1, partId: 0 };
const quiet = () => undefined;
const CASES = ['case_a', 'case_b'];

async function segs(out: string): Promise<number[][]> {
  return Promise.all(CASES.map(async (c) => Array.from((await readSegmentation(join(out, `${c}.nii.gz`))).data)));
}

beforeAll(async () => {
  await writeTinyModel(ours, [0, 1]);
  // label 1 keeps its largest component: a step that changes these predictions, so applying it is visible
  writeFileSync(join(ours, 'postprocessing.json'), JSON.stringify({
    postprocessing_fns: ['remove_all_but_largest_component_from_segmentation'], postprocessing_kwargs: [{ labels_or_regions: 1 }] }));
  writeFileSync(join(ours, 'inference_information.json'), JSON.stringify({
    best_model_or_ensemble: { postprocessing_file: 'postprocessing.json', selected_model_or_models: [{ configuration: '3d_fullres', trainer: 'nnUNetTrainer', plans_identifier: 'nnUNetPlans' }] } }));
  mkdirSync(input);
  await writeTinyImage(join(input, 'case_a_0000.nii.gz'), 1);
  await writeTinyImage(join(input, 'case_b_0000.nii.gz'), 2);
  expect(await exportCommand(ours, { output: results, node: 'export', format: 'nnunet' }, quiet)).toBe(0);
});

describe("models in nnU-Net's results layout", () => {
  const folder = () => join(results, 'nnUNetTrainer__nnUNetPlans__3d_fullres');

  it('export writes the files nnUNetv2_predict reads', () => {
    for (const f of ['plans.json', 'dataset.json', 'fold_0/checkpoint_final.pth', 'fold_1/checkpoint_final.pth']) expect(existsSync(join(folder(), f)), f).toBe(true);
    expect(existsSync(join(results, 'postprocessing.pkl'))).toBe(true);
    // Python's floats, as nnU-Net's save_json writes plans
    expect(readFileSync(join(folder(), 'plans.json'), 'utf8')).toMatch(/"original_median_spacing_after_transp": \[\s*1\.0,/);
    const info = JSON.parse(readFileSync(join(results, 'inference_information.json'), 'utf8'));
    expect(info.best_model_or_ensemble.postprocessing_file).toBe(join(results, 'postprocessing.pkl'));
  });

  // Python's own pickle reads it as nnU-Net's load_pickle would: the function by module and name, plain kwargs dicts
  it.skipIf(!existsSync('/usr/bin/python3'))('postprocessing.pkl loads in Python as (functions, kwargs)', () => {
    const seen = execFileSync('/usr/bin/python3', ['-c', `
import pickle, sys
class Names(pickle.Unpickler):
    def find_class(self, module, name):
        if module.startswith('nnunetv2.'):
            return module + '.' + name
        raise pickle.UnpicklingError('unexpected global ' + module + '.' + name)
with open(sys.argv[1], 'rb') as f:
    fns, kwargs = Names(f).load()
print(type(fns).__name__, fns, type(kwargs).__name__, [(type(k).__name__, k) for k in kwargs])
`, join(results, 'postprocessing.pkl')], { encoding: 'utf8' });
    expect(seen.trim()).toBe("list ['nnunetv2.postprocessing.remove_connected_components.remove_all_but_largest_component_from_segmentation']"
      + " list [('dict', {'labels_or_regions': 1})]");
  });

  it('a configuration folder with .pth folds (nnUNetv2 spellings) predicts what our model folder predicts', async () => {
    const native = join(dir, 'native-nopp');
    expect(await predictCommand({ ...base, output: native, tta: false, postprocessing: false }, quiet)).toBe(0);
    const out = join(dir, 'pth-folder');
    expect(await main(['node', 'nnunet', 'predict', '-i', input, '-o', out, '-m', folder(), '-f', '0', '1', '-chk', 'checkpoint_final.pth', '--disable_tta'])).toBe(0);
    expect(process.exitCode ?? 0).toBe(0);
    expect(await segs(out)).toEqual(await segs(native));
  });

  it('-d/-tr/-p/-c find the model under $nnUNet_results, as nnUNetv2_predict does; its other flags are accepted', async () => {
    const direct = join(dir, 'by-folder');
    expect(await main(['node', 'nnunet', 'predict', '-i', input, '-o', direct, '-m', folder(), '--disable_tta'])).toBe(0);
    const byId = join(dir, 'by-id');
    process.env.nnUNet_results = join(dir, 'nnUNet_results');
    try {
      expect(await main(['node', 'nnunet', 'predict', '-i', input, '-o', byId, '-d', '999', '-tr', 'nnUNetTrainer', '-p', 'nnUNetPlans', '-c', '3d_fullres',
        '--disable_tta', '-device', 'cpu', '-npp', '2', '-nps', '2', '--disable_progress_bar', '--verbose'])).toBe(0);
      expect(process.exitCode ?? 0).toBe(0);
      // a dataset id with no folder, and a trainer that was not trained, are named
      await expect(predictCommand({ ...base, model: undefined, dataset: '7', output: join(dir, 'none') }, quiet))
        .rejects.toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('-d 7: no dataset folder(s) in nnUNet_results=') });
      await expect(predictCommand({ ...base, model: undefined, dataset: 'Dataset999_Tiny', trainer: 'Other', configuration: '3d_fullres', output: join(dir, 'none') }, quiet))
        .rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('Other__nnUNetPlans__3d_fullres') });
    } finally {
      delete process.env.nnUNet_results;
    }
    expect(await segs(byId)).toEqual(await segs(direct));
    // predict_from_files's arguments, as nnU-Net's save_json writes them (sorted, indent 4), with ours beside them
    const args = JSON.parse(readFileSync(join(byId, 'predict_from_raw_data_args.json'), 'utf8'));
    expect(Object.keys(args)).toEqual([...Object.keys(args)].sort());
    expect(args).toMatchObject({ list_of_lists_or_source_folder: input, output_folder_or_list_of_truncated_output_files: byId, save_probabilities: false,
      overwrite: true, folder_with_segs_from_prev_stage: null, num_parts: 1, part_id: 0, configuration: '3d_fullres', tta: false, step_size: 0.5 });
    expect(readFileSync(join(byId, 'predict_from_raw_data_args.json'), 'utf8')).toContain('\n    "step_size": 0.5,\n');
  });

  it('the dataset results folder applies find-best\'s choice and its postprocessing.pkl, as our model folder does; so does its zip', async () => {
    const native = join(dir, 'native');
    expect(await predictCommand({ ...base, output: native, saveProbabilities: true }, quiet)).toBe(0);
    const unprocessed = join(dir, 'native-tta-nopp');
    expect(await predictCommand({ ...base, output: unprocessed, postprocessing: false }, quiet)).toBe(0);
    expect(await segs(native)).not.toEqual(await segs(unprocessed));
    const out = join(dir, 'pth-dataset');
    const lines: string[] = [];
    expect(await predictCommand({ ...base, model: results, output: out, saveProbabilities: true }, (l) => lines.push(l))).toBe(0);
    expect(lines.some((l) => l.includes('postprocessing from the model'))).toBe(true);
    expect(await segs(out)).toEqual(await segs(native));
    expect(readFileSync(join(out, 'case_a.npz')).equals(readFileSync(join(native, 'case_a.npz')))).toBe(true);
    // nnUNetv2_export_model_to_zip keeps the results layout: Dataset999_Tiny/<Trainer>__<Plans>__<configuration>/...
    const zip = join(dir, 'Dataset999_Tiny.zip');
    await zipFolder(join(dir, 'nnUNet_results'), zip);
    const fromZip = join(dir, 'pth-zip');
    expect(await predictCommand({ ...base, model: zip, output: fromZip }, quiet)).toBe(0);
    expect(await segs(fromZip)).toEqual(await segs(native));
  });

  it("a dataset results folder whose inference_information.json picks an ensemble averages its members' folders", async () => {
    // a second results folder holding the same network as 3d_lowres: the average of two equal members is either one
    const ens = join(dir, 'ensemble', 'Dataset999_Tiny');
    cpSync(results, ens, { recursive: true });
    const lowres = join(ens, 'nnUNetTrainer__nnUNetPlans__3d_lowres');
    cpSync(join(ens, 'nnUNetTrainer__nnUNetPlans__3d_fullres'), lowres, { recursive: true });
    for (const f of [join(lowres, 'plans.json'), join(ens, 'nnUNetTrainer__nnUNetPlans__3d_fullres', 'plans.json')]) {
      const plans = JSON.parse(readFileSync(f, 'utf8'));
      plans.configurations['3d_lowres'] = plans.configurations['3d_fullres'];
      writeFileSync(f, JSON.stringify(plans));
    }
    const info = JSON.parse(readFileSync(join(ens, 'inference_information.json'), 'utf8'));
    info.best_model_or_ensemble.selected_model_or_models = ['3d_fullres', '3d_lowres'].map((configuration) => ({ configuration, trainer: 'nnUNetTrainer', plans_identifier: 'nnUNetPlans' }));
    info.best_model_or_ensemble.postprocessing_file = '/elsewhere/nnUNet_results/Dataset999_Tiny/postprocessing.pkl';
    writeFileSync(join(ens, 'inference_information.json'), JSON.stringify(info));
    const native = join(dir, 'native-notta');
    expect(await predictCommand({ ...base, output: native, tta: false }, quiet)).toBe(0);
    const out = join(dir, 'pth-ensemble');
    const lines: string[] = [];
    expect(await predictCommand({ ...base, model: ens, output: out, tta: false }, (l) => lines.push(l))).toBe(0);
    expect(lines.some((l) => l.includes('ensemble of 3d_fullres + 3d_lowres') && l.includes('postprocessing from the model'))).toBe(true);
    expect(await segs(out)).toEqual(await segs(native));
  });

  it("-c with a configuration find-best did not choose predicts without the choice's postprocessing", async () => {
    const other = join(dir, 'ours-ensemble-chosen');
    cpSync(ours, other, { recursive: true });
    writeFileSync(join(other, 'inference_information.json'), JSON.stringify({ best_model_or_ensemble: { postprocessing_file: 'postprocessing.json',
      selected_model_or_models: ['3d_fullres', '3d_lowres'].map((configuration) => ({ configuration, trainer: 'nnUNetTrainer', plans_identifier: 'nnUNetPlans' })) } }));
    const unprocessed = join(dir, 'other-nopp');
    expect(await predictCommand({ ...base, model: other, output: unprocessed, configuration: '3d_fullres', postprocessing: false }, quiet)).toBe(0);
    const out = join(dir, 'other-c');
    const lines: string[] = [];
    expect(await predictCommand({ ...base, model: other, output: out, configuration: '3d_fullres' }, (l) => lines.push(l))).toBe(0);
    expect(lines.some((l) => l.includes('postprocessing from the model'))).toBe(false);
    expect(lines.some((l) => l.includes('find-best chose 3d_fullres + 3d_lowres'))).toBe(true);
    expect(await segs(out)).toEqual(await segs(unprocessed));
    // the chosen configuration itself, asked for by name, keeps it
    const chosenByName = join(dir, 'ours-c');
    const seen: string[] = [];
    expect(await predictCommand({ ...base, output: chosenByName, configuration: '3d_fullres' }, (l) => seen.push(l))).toBe(0);
    expect(seen.some((l) => l.includes('postprocessing from the model'))).toBe(true);
    expect(await segs(chosenByName)).not.toEqual(await segs(unprocessed));
  });

  it("NibabelIOWithReorient models predict on RAS arrays and write back onto the input's geometry", async () => {
    const plansFile = join(folder(), 'plans.json');
    const saved = readFileSync(plansFile, 'utf8');
    const image = await readImage([join(input, 'case_a_0000.nii.gz')]);
    const r = rasReorientation(image.geometry)!;
    expect(r).not.toBeNull();
    // the same voxels as a file that is already RAS: what the reoriented model must see
    const ras = join(dir, 'ras');
    mkdirSync(ras);
    const re = reorientVolume(image, r);
    await writeImage(join(ras, 'case_a_0000.nii.gz'), { ...re, geometry: { dimension: 3, itkSpacing: [re.spacing[2], re.spacing[1], re.spacing[0]], itkOrigin: [0, 0, 0], itkDirection: [-1, 0, 0, 0, -1, 0, 0, 0, 1] } });
    const onRas = join(dir, 'on-ras');
    expect(await predictCommand({ ...base, input: [ras], model: folder(), output: onRas, tta: false }, quiet)).toBe(0);
    writeFileSync(plansFile, JSON.stringify({ ...JSON.parse(saved), image_reader_writer: 'NibabelIOWithReorient' }));
    try {
      const out = join(dir, 'reoriented');
      expect(await predictCommand({ ...base, input: [join(input, 'case_a_0000.nii.gz')], model: folder(), output: out, tta: false }, quiet)).toBe(0);
      const seg = await readSegmentation(join(out, 'case_a.nii.gz'));
      expect(seg.geometry).toEqual(image.geometry);
      const want = await readSegmentation(join(onRas, 'case_a.nii.gz'));
      expect(Array.from(seg.data)).toEqual(Array.from(undoReorientation(want.data, 1, want.shape, r).data));
    } finally {
      writeFileSync(plansFile, saved);
    }
  });

  it('an architecture we do not implement is an error naming it', async () => {
    const plansFile = join(folder(), 'plans.json');
    const saved = readFileSync(plansFile, 'utf8');
    const plans = JSON.parse(saved);
    plans.configurations['3d_fullres'].architecture.network_class_name = 'dynamic_network_architectures.architectures.unet.ResidualEncoderUNetWithAttention';
    writeFileSync(plansFile, JSON.stringify(plans));
    try {
      await expect(predictCommand({ ...base, model: folder(), output: join(dir, 'x') }, quiet)).rejects.toThrow(/ResidualEncoderUNetWithAttention/);
    } finally {
      writeFileSync(plansFile, saved);
    }
  });
});

describe('hostile model folders and archives: errors name the culprit, nothing is left behind', () => {
  const folder = () => join(results, 'nnUNetTrainer__nnUNetPlans__3d_fullres');
  let n = 0;
  /** a copy of the nnU-Net results folder with one defect, predicted from */
  const broken = (edit: (copy: string) => void): string => {
    const copy = join(dir, `hostile-${n++}`, 'Dataset999_Tiny');
    cpSync(results, copy, { recursive: true });
    edit(join(copy, 'nnUNetTrainer__nnUNetPlans__3d_fullres'));
    return copy;
  };
  const predictFrom = (model: string, log: (l: string) => void = quiet) => predictCommand({ ...base, model, output: join(dir, `out-${n++}`), tta: false }, log);
  const ckpt = (c: string) => join(c, 'fold_0', 'checkpoint_final.pth');

  it('a checkpoint that is /dev/zero, a FIFO or a folder is refused before it is read', async () => {
    const zero = broken((c) => { rmSync(ckpt(c)); symlinkSync('/dev/zero', ckpt(c)); });
    await expect(predictFrom(zero)).rejects.toMatchObject({ code: 'PTH_UNREADABLE', message: expect.stringContaining('checkpoint_final.pth: cannot read (it is not a regular file') });
    const fifo = broken((c) => { rmSync(ckpt(c)); execFileSync('mkfifo', [ckpt(c)]); });
    await expect(predictFrom(fifo)).rejects.toMatchObject({ code: 'PTH_UNREADABLE' });
    const folderCkpt = broken((c) => { rmSync(ckpt(c)); mkdirSync(ckpt(c)); });
    await expect(predictFrom(folderCkpt)).rejects.toMatchObject({ code: 'PTH_UNREADABLE', message: expect.stringContaining('it is a folder, not a file') });
  });

  it('plans.json that is not JSON or has no architecture, and a state_dict key the network lacks, name the file', async () => {
    const notJson = broken((c) => writeFileSync(join(c, 'plans.json'), '{\n  "configurations": {,\n}'));
    await expect(predictFrom(notJson)).rejects.toMatchObject({ code: 'MODEL_INVALID_PLANS', message: expect.stringMatching(/plans\.json:2:22: plans\.json is not valid JSON/) });
    const noArch = broken((c) => {
      const plans = JSON.parse(readFileSync(join(c, 'plans.json'), 'utf8'));
      delete plans.configurations['3d_fullres'].architecture;
      writeFileSync(join(c, 'plans.json'), JSON.stringify(plans));
    });
    await expect(predictFrom(noArch)).rejects.toMatchObject({ code: 'MODEL_INVALID_PLANS', message: expect.stringContaining("configuration '3d_fullres' has no \"architecture\"") });
    const ck = await readNnunetCheckpoint(ckpt(folder()));
    ck.weights.set('decoder.extra.weight', { shape: [1], data: new Float32Array(1) });
    const { config } = await openModel(folder(), { loader: async () => ({ predictor: (x) => x, mirrorAxes: null, dispose: () => undefined }) });
    await expect(networkFromCheckpoint(ck, config.architecture as PlansArchitecture, 1, 3, 'c.pth')).rejects.toThrow(/c\.pth: unexpected key\(s\) in network_weights .*: decoder\.extra\.weight/);
  });

  it('postprocessing_file outside the model is ignored with a warning, never read; a broken postprocessing.json names itself', async () => {
    const escape = broken(() => undefined);
    const info = JSON.parse(readFileSync(join(escape, 'inference_information.json'), 'utf8'));
    info.best_model_or_ensemble.postprocessing_file = '/x/Dataset999_Tiny/../../../../../../etc/passwd';
    writeFileSync(join(escape, 'inference_information.json'), JSON.stringify(info));
    rmSync(join(escape, 'postprocessing.pkl'));
    const lines: string[] = [];
    expect(await predictFrom(escape, (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toContain('which is not inside');
    expect(lines.join('\n')).not.toContain('root:');
    const ppJson = join(dir, 'bad-pp');
    cpSync(ours, ppJson, { recursive: true });
    writeFileSync(join(ppJson, 'postprocessing.json'), '{"postprocessing_fns": [}');
    await expect(predictFrom(ppJson)).rejects.toMatchObject({ code: 'POSTPROCESSING_INVALID', message: expect.stringContaining('postprocessing.json:1:25: postprocessing.json is not valid JSON') });
  });

  it('a zip bomb and a member under a file are refused naming the archive, and no unpacked folder is left', async () => {
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const bomb = join(dir, 'bomb.zip');
      writeFileSync(bomb, zipBomb('Dataset999_Tiny/plans.json', 64 * 2 ** 20));
      await expect(predictFrom(bomb)).rejects.toMatchObject({ code: 'ZIP_INVALID', message: expect.stringContaining(`${bomb}: not a readable zip archive (member Dataset999_Tiny/plans.json would inflate`) });
      const clash = join(dir, 'clash.zip');
      writeFileSync(clash, zipBuffer([{ name: 'lnk', data: Buffer.from('x') }, { name: 'lnk/ZIPSYMDIR', data: Buffer.from('y') }], clash));
      await expect(predictFrom(clash)).rejects.toMatchObject({ code: 'EXPORT_BAD_ARCHIVE', message: expect.stringContaining(`${clash}: cannot unpack member lnk/ZIPSYMDIR`) });
      // the model's own zip, with one fold missing: opening fails after unpacking
      const partial = join(dir, 'partial.zip');
      await zipFolder(broken((c) => rmSync(join(c, 'fold_1'), { recursive: true })), partial);
      await expect(predictCommand({ ...base, model: partial, output: join(dir, 'p'), folds: [1] }, quiet)).rejects.toMatchObject({ code: 'MODEL_MISSING_FOLDS' });
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved;
    }
  });
});
