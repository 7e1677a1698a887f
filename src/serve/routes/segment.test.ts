// The browser segmentation page for the model a finished run exported: built from the store's model folder on first
// use, served from the files the export wrote (nothing else), refused for runs that exported nothing.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../engine/store/local-store.js';
import { writeTinyModel } from '../../../test/predict/tiny-model.js';
import { createApp } from '../app.js';

const root = mkdtempSync(join(tmpdir(), 'nnunet-serve-segment-'));
const [runs, storeDir] = [join(root, 'runs'), join(root, 'store')];
const assets = { files: new Map() };
const local = { headers: { host: '127.0.0.1:8080' } };
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A finished run's record, complete as run.schema.json wants it (the server refuses a partial one as damaged). */
function writeRun(id: string, nodes: object[]): void {
  mkdirSync(join(runs, id), { recursive: true });
  writeFileSync(join(runs, id, 'run.json'), JSON.stringify({
    id, status: 'succeeded', metrics: {}, params: {}, pipeline: { digest: '0'.repeat(64), text: '' }, startedAt: new Date(0).toISOString(),
    durationMs: 0, environment: { store: storeDir }, nodes: nodes.map((n) => ({ key: '', durationMs: 0, metrics: {}, matrix: {}, ...n })),
  }));
}

beforeAll(async () => {
  const model = join(root, 'model');
  await writeTinyModel(model, [0]);
  const ensemble = join(root, 'ensemble-model');
  cpSync(model, ensemble, { recursive: true });
  const digest = await new LocalStore(storeDir).ingest(model);
  writeRun('exported', [{ id: 'export', node: 'export', kind: 'export', status: 'cached', outputs: { digest } }]);
  writeRun('plain', [{ id: 'a', node: 'a', kind: 'command', status: 'ran', outputs: null }]);
  writeRun('gone', [{ id: 'export', node: 'export', kind: 'export', status: 'cached', outputs: { digest: 'c'.repeat(64) } }]);
  // find-best chose an ensemble: the same network as 3d_lowres too, scored higher on its own
  cpSync(join(ensemble, '3d_fullres'), join(ensemble, '3d_lowres'), { recursive: true });
  const plans = JSON.parse(readFileSync(join(ensemble, 'plans.json'), 'utf8'));
  plans.configurations['3d_lowres'] = plans.configurations['3d_fullres'];
  writeFileSync(join(ensemble, 'plans.json'), JSON.stringify(plans));
  const id = (c: string) => `nnUNetTrainer__nnUNetPlans__${c}`;
  writeFileSync(join(ensemble, 'inference_information.json'), JSON.stringify({
    all_results: { [id('3d_fullres')]: 0.5, [id('3d_lowres')]: 0.7, [`ensemble___${id('3d_fullres')}___${id('3d_lowres')}___0`]: 0.8 },
    best_model_or_ensemble: { selected_model_or_models: ['3d_fullres', '3d_lowres'].map((configuration) => ({ configuration, trainer: 'nnUNetTrainer', plans_identifier: 'nnUNetPlans' })) },
  }));
  writeRun('ensemble', [{ id: 'export', node: 'export', kind: 'export', status: 'cached', outputs: { digest: await new LocalStore(storeDir).ingest(ensemble) } }]);
}, 120_000);

describe('nnunet serve: /runs/<id>/segment/', () => {
  const app = createApp({ runsDir: runs, storeDir, assets });

  it('serves the exported page and its model files, and nothing the export did not write', async () => {
    const page = await app.request('/runs/exported/segment/', local);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const model = await app.request('/runs/exported/segment/model/model.json', local);
    expect(model.status).toBe(200);
    expect(((await model.json()) as { folds: unknown[] }).folds.length).toBe(1);
    expect((await app.request('/runs/exported/segment/tfjs-backend-wasm.wasm', local)).headers.get('content-type')).toBe('application/wasm');
    for (const bad of ['/runs/exported/segment/..%2F..%2Frun.json', '/runs/exported/segment/nope.js', '/runs/exported/segment/%E0%A4%A', '/runs/exported/segment/100%.js']) {
      expect((await app.request(bad, local)).status, bad).toBe(404);
    }
  }, 120_000);

  it('an ensemble choice gets the page of its member with the better cross-validation Dice (the page runs one configuration)', async () => {
    const page = await app.request('/runs/ensemble/segment/', local);
    expect(page.status).toBe(200);
    const model = (await (await app.request('/runs/ensemble/segment/model/model.json', local)).json()) as { configuration: string };
    expect(model.configuration).toBe('3d_lowres');
  }, 120_000);

  it('says so for a run that exported no model, and for one whose model left the store', async () => {
    for (const [run, code] of [['plain', 'NO_MODEL'], ['gone', 'MODEL_GONE']]) {
      const res = await app.request(`/runs/${run}/segment/`, local);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });
});
