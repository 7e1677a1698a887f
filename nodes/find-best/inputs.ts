// Reading the upstream artifacts find-best and postprocess share: the dataset's labels and the crossval results.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputArtifact } from '../../src/engine/types.js';
import type { DatasetJson } from '../dataset/format.js';
import { readCaseListing } from '../dataset/listing.js';
import type { CrossvalInfo } from '../evaluate/crossval.js';
import type { CrossvalResult } from './find-best.js';

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

export async function datasetInputs(dataset: InputArtifact): Promise<{ datasetJson: DatasetJson; datasetName: string; references: Map<string, string> }> {
  const datasetJson = await readJson<DatasetJson>(join(dataset.dir, 'dataset.json'));
  const listing = await readCaseListing(dataset.dir);
  return { datasetJson, datasetName: listing.name, references: new Map(listing.training.map((c) => [c.id, c.label])) };
}

export async function crossvalInputs(evaluated: readonly InputArtifact[]): Promise<CrossvalResult[]> {
  return Promise.all(evaluated.map(async (a) => ({ info: await readJson<CrossvalInfo>(join(a.dir, 'crossval.json')), dir: a.dir })));
}
