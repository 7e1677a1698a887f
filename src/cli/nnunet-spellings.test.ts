import { describe, expect, it } from 'vitest';
import { nnunetArgv } from './nnunet-spellings.js';

const argv = (...a: string[]) => ['node', 'nnunet', ...a];

describe("nnU-Net's flag spellings", () => {
  it('rewrites the flags of the command given, after global options with values', () => {
    expect(nnunetArgv(argv('--store', 'predict', 'predict', '-chk', 'checkpoint_best.pth', '--disable_tta', '-npp', '3', '-tr', 'T')))
      .toEqual(argv('--store', 'predict', 'predict', '--checkpoint', 'checkpoint_best.pth', '--no-tta', '--processes', '3', '--trainer', 'T'));
    // -djfile would parse as -d jfile: it is rewritten whole
    expect(nnunetArgv(argv('evaluate', 'p', 'r', '-djfile', 'd.json', '-pfile', 'plans.json', '-il', '3', '-np', '2')))
      .toEqual(argv('evaluate', 'p', 'r', '--dataset-json', 'd.json', '--plans-file', 'plans.json', '--ignore-label', '3', '--processes', '2'));
    expect(nnunetArgv(argv('ensemble', '-i', 'a', 'b', '-o', 'o', '--save_npz'))).toEqual(argv('ensemble', '-i', 'a', 'b', '-o', 'o', '--save-probabilities'));
  });
  it("maps nnU-Net's planner class names to ours, and leaves other values alone", () => {
    expect(nnunetArgv(argv('plan', 'ds', '-o', 'x', '-pl', 'nnUNetPlannerResEncL', '-gpu_memory_target', '24', '--verify_dataset_integrity')))
      .toEqual(argv('plan', 'ds', '-o', 'x', '--planner', 'resenc-l', '--gpu-memory', '24', '--verify-dataset-integrity'));
    expect(nnunetArgv(argv('preprocess', 'ds', '-pl', 'MyPlanner'))).toEqual(argv('preprocess', 'ds', '--planner', 'MyPlanner'));
  });
  it("turns nnU-Net's -d into the dataset argument, and nnUNetv2_train's flags into ours", () => {
    expect(nnunetArgv(argv('preprocess', '-d', '4', '-c', '2d'))).toEqual(argv('preprocess', '4', '-c', '2d'));
    expect(nnunetArgv(argv('train', '4', '3d_fullres', '0', '--c', '-pretrained_weights', 'w.pth', '--npz')))
      .toEqual(argv('train', '4', '3d_fullres', '0', '--continue', '--init-from', 'w.pth', '--npz'));
  });
  it('leaves commands without nnU-Net spellings, and other commands\' spellings, unchanged', () => {
    expect(nnunetArgv(argv('run', 'p.yaml', '-chk'))).toEqual(argv('run', 'p.yaml', '-chk'));
    expect(nnunetArgv(argv('evaluate', 'p', 'r', '-chk'))).toEqual(argv('evaluate', 'p', 'r', '-chk'));
    expect(nnunetArgv(argv())).toEqual(argv());
  });
});
