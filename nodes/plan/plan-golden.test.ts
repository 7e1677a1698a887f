import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { planExperiment, plansJson } from './plan-experiment.js';
import type { PlannerName } from './planner.js';

// test/planning/fixtures/planner-golden.py: an independent numpy implementation of nnU-Net's planners on 36 random
// fingerprints (isotropic, anisotropic, 2D, fixed geometry; 1-3 channels; default, ResEnc M and L; other GPU sizes)
// and on the real Hippocampus fingerprint (default and ResEnc M)
const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../test/planning/fixtures/planner-golden.json', import.meta.url)), 'utf8')) as
  Array<{ fingerprint: any; dataset_json: any; planner: PlannerName; gpu: number | null; plans_text: string }>;

describe('plans text identical to the numpy planner on random fingerprints', () => {
  golden.forEach((g, i) => {
    const sp = g.fingerprint.spacings[0].join('x');
    it(`#${i} ${g.planner}${g.gpu ? ` ${g.gpu} GB` : ''}: ${g.fingerprint.spacings.length} cases, spacing ${sp}`, () => {
      const plans = planExperiment(g.fingerprint, g.dataset_json, { datasetName: 'DatasetX', planner: g.planner, gpuMemoryGb: g.gpu ?? undefined });
      expect(plansJson(plans)).toBe(g.plans_text);
    });
  });
});
