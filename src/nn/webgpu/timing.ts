import * as tf from '@tensorflow/tfjs-core';

/**
 * ms per call of f on the GPU: one warm-up, then `reps` calls, each awaited through a 1-element read of its last
 * output (the queue runs in order, so that read waits for all of the call's work) and disposed. With `enoughAbove`,
 * it stops after the first timed call slower than that: the conv tuner need not time a loser three times over.
 */
export async function msPerCall(f: () => tf.Tensor | tf.Tensor[], reps: number, enoughAbove = Infinity): Promise<number> {
  const sync = async (): Promise<void> => {
    const r = f();
    const list = Array.isArray(r) ? r : [r];
    const one = tf.tidy(() => tf.slice(tf.reshape(list[list.length - 1], [-1]), 0, 1));
    await one.data();
    tf.dispose([...list, one]);
  };
  await sync();
  const t0 = performance.now();
  let mean = 0;
  for (let i = 1; i <= reps && mean <= enoughAbove; i++) {
    await sync();
    mean = (performance.now() - t0) / i;
  }
  return mean;
}
