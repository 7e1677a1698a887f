import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { datasetArgument, datasetFolderIn, preprocessedFolderFor } from './nnunet-folders.js';

const root = mkdtempSync(join(tmpdir(), 'nnunet-folders-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const saved = { ...process.env };
afterEach(() => {
  for (const v of ['nnUNet_raw', 'nnUNet_preprocessed', 'nnUNet_results']) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
});

describe("nnU-Net's dataset folders", () => {
  mkdirSync(join(root, 'raw', 'Dataset004_Hippocampus'), { recursive: true });
  mkdirSync(join(root, 'pre', 'Dataset004_Hippocampus'), { recursive: true });
  mkdirSync(join(root, 'raw', 'Dataset040_Other'), { recursive: true });

  it('finds a dataset by id or name, preprocessed before raw, and a path stays a path', () => {
    process.env.nnUNet_raw = join(root, 'raw');
    process.env.nnUNet_preprocessed = join(root, 'pre');
    expect(datasetArgument('4', ['nnUNet_preprocessed', 'nnUNet_raw'], 'dataset')).toBe(join(root, 'pre', 'Dataset004_Hippocampus'));
    expect(datasetArgument('040', ['nnUNet_preprocessed', 'nnUNet_raw'], 'dataset')).toBe(join(root, 'raw', 'Dataset040_Other'));
    expect(datasetArgument('Dataset004_Hippocampus', ['nnUNet_raw'], 'dataset')).toBe(join(root, 'raw', 'Dataset004_Hippocampus'));
    expect(datasetArgument(join(root, 'raw'), ['nnUNet_raw'], 'dataset')).toBe(join(root, 'raw'));
    expect(preprocessedFolderFor(join(root, 'raw', 'Dataset004_Hippocampus'))).toBe(join(root, 'pre', 'Dataset004_Hippocampus'));
  });

  it('says which variable is missing or which folder lacks the dataset', () => {
    delete process.env.nnUNet_raw;
    delete process.env.nnUNet_preprocessed;
    expect(() => datasetArgument('4', ['nnUNet_raw'], 'dataset')).toThrow(expect.objectContaining({ code: 'CLI_USAGE', message: 'dataset 4: no such folder here, and nnUNet_raw is not set to look it up in' }));
    expect(() => preprocessedFolderFor(join(root, 'x'))).toThrow(expect.objectContaining({ message: expect.stringContaining('set nnUNet_preprocessed') }));
    process.env.nnUNet_results = join(root, 'raw');
    expect(() => datasetFolderIn('nnUNet_results', '7', '-d')).toThrow(expect.objectContaining({ message: `-d 7: no dataset folder(s) in nnUNet_results=${join(root, 'raw')}` }));
  });
});
