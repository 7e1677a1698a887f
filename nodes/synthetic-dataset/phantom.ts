/**
 * A deterministic MRI-like phantom in the spirit of the Hippocampus task: a tissue block with smooth
 * intensity variation inside zero padding (so crop-to-nonzero has work), and two touching ellipsoidal
 * structures (label 1 "head", label 2 "body") whose intensities differ only moderately from the tissue,
 * with noise, a bias field and a per-case intensity scale (real MSD data mixes scales 1e2..1e6).
 */
import { RandomState } from '../../src/imaging/np.js';
import type { Shape3 } from '../../src/imaging/volume.js';

export interface Phantom {
  image: Float32Array;
  label: Uint8Array;
  shape: Shape3;
}

function gaussian(rng: RandomState): number {
  // Box-Muller on numpy-compatible uniforms: deterministic for a seed, independent of platform
  const u = 1 - rng.randomSample();
  const v = rng.randomSample();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const uniform = (rng: RandomState, lo: number, hi: number): number => lo + (hi - lo) * rng.randomSample();

export function makePhantom(seed: number, baseShape: Shape3): Phantom {
  const rng = new RandomState(seed);
  const shape = baseShape.map((s) => s + rng.randint(-3, 4)) as Shape3;
  const [nz, ny, nx] = shape;
  const n = nz * ny * nx;
  const image = new Float32Array(n);
  const label = new Uint8Array(n);

  const scale = [1, 150, 3000, 4e5][rng.randint(0, 4)];
  const margin = [rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4)];
  // structure centre near the middle; the body extends from the head along y
  const c = [nz / 2 + uniform(rng, -2, 2), ny / 2 + uniform(rng, -3, 3), nx / 2 + uniform(rng, -2, 2)];
  const headR = [uniform(rng, 3, 5), uniform(rng, 4, 6), uniform(rng, 3, 5)];
  const bodyR = [uniform(rng, 2.5, 4), uniform(rng, 5, 8), uniform(rng, 2.5, 4)];
  const bodyC = [c[0] + uniform(rng, -1, 1), c[1] + headR[1] + bodyR[1] * 0.7, c[2] + uniform(rng, -1, 1)];
  const tilt = uniform(rng, -0.3, 0.3);
  const bias = [uniform(rng, -0.15, 0.15), uniform(rng, -0.15, 0.15), uniform(rng, -0.15, 0.15)];
  const tissue = uniform(rng, 0.5, 0.6);
  const headI = tissue + uniform(rng, 0.25, 0.35);
  const bodyI = tissue - uniform(rng, 0.2, 0.3);
  const noise = 0.06;

  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const inside = z >= margin[0] && z < nz - margin[0] && y >= margin[1] && y < ny - margin[1] && x >= margin[2] && x < nx - margin[2];
        if (!inside) continue;
        const dz = z - c[0], dy = y - c[1], dx = x - c[2] + tilt * (y - c[1]);
        const inHead = (dz / headR[0]) ** 2 + (dy / headR[1]) ** 2 + (dx / headR[2]) ** 2 <= 1;
        const bz = z - bodyC[0], by = y - bodyC[1], bx = x - bodyC[2] + tilt * (y - c[1]);
        const inBody = !inHead && (bz / bodyR[0]) ** 2 + (by / bodyR[1]) ** 2 + (bx / bodyR[2]) ** 2 <= 1;
        const base = inHead ? headI : inBody ? bodyI : tissue + 0.08 * Math.sin(0.35 * x + 0.2 * z) * Math.cos(0.25 * y);
        const field = 1 + bias[0] * (z / nz - 0.5) + bias[1] * (y / ny - 0.5) + bias[2] * (x / nx - 0.5);
        image[i] = Math.max(1e-3, (base * field + noise * gaussian(rng)) * scale);
        label[i] = inHead ? 1 : inBody ? 2 : 0;
      }
    }
  }
  return { image, label, shape };
}
