/**
 * NumPy broadcasting of two shapes as the addon's binaryOp wants it: the output shape and each operand's
 * element strides (0 where it is broadcast), with adjacent axes merged wherever both operands agree on
 * broadcasting, so [3,40,56,40,3] (op) [3,40,56,40,1] becomes [268800, 3] with strides [3,1] / [1,0].
 */
export interface BroadcastPlan { shape: number[]; stridesA: number[]; stridesB: number[] }

function strides(shape: number[], rank: number, out: number[]): number[] {
  const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  const s = new Array<number>(rank).fill(0);
  let step = 1;
  for (let d = rank - 1; d >= 0; d--) {
    s[d] = padded[d] === 1 && out[d] !== 1 ? 0 : step;
    step *= padded[d];
  }
  return s;
}

/** undefined when the shapes do not broadcast (the stock kernel then reports the error). */
export function broadcastPlan(a: number[], b: number[]): BroadcastPlan | undefined {
  const rank = Math.max(a.length, b.length, 1);
  const out: number[] = [];
  for (let d = 0; d < rank; d++) {
    const x = a[a.length - rank + d] ?? 1;
    const y = b[b.length - rank + d] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  const sa = strides(a, rank, out);
  const sb = strides(b, rank, out);
  const plan: BroadcastPlan = { shape: [out[0]], stridesA: [sa[0]], stridesB: [sb[0]] };
  for (let d = 1; d < rank; d++) {
    const last = plan.shape.length - 1;
    // axis d folds into the previous one when each operand is contiguous across them (or broadcast on both)
    const fold = (s: number[], prev: number) => (s[d] === 0 ? prev === 0 : prev === s[d] * out[d]);
    if (fold(sa, plan.stridesA[last]) && fold(sb, plan.stridesB[last])) {
      plan.shape[last] *= out[d];
      plan.stridesA[last] = sa[d];
      plan.stridesB[last] = sb[d];
    } else {
      plan.shape.push(out[d]);
      plan.stridesA.push(sa[d]);
      plan.stridesB.push(sb[d]);
    }
  }
  return plan;
}
