import { describe, expect, it } from 'vitest';
import { Limiter } from './limiter.js';

const never = new AbortController().signal;

describe('Limiter', () => {
  it('never exceeds its capacity and runs at most one accelerator action at a time', async () => {
    const lim = new Limiter(3);
    let cpu = 0; let maxCpu = 0; let acc = 0; let maxAcc = 0;
    const job = async (w: number, a: boolean) => {
      const release = await lim.acquire(w, a, never);
      w = Math.min(w, lim.capacity); // a wider action takes the whole machine, not more
      cpu += w; maxCpu = Math.max(maxCpu, cpu);
      if (a) { acc++; maxAcc = Math.max(maxAcc, acc); }
      await new Promise((r) => setTimeout(r, 5));
      cpu -= w; if (a) acc--;
      release();
    };
    await Promise.all([job(1, true), job(1, true), job(2, false), job(1, false), job(5, false), job(1, true)]);
    expect(maxCpu).toBeLessThanOrEqual(3);
    expect(maxAcc).toBe(1);
  });
  it('rejects a queued waiter when its signal aborts', async () => {
    const lim = new Limiter(1);
    const release = await lim.acquire(1, false, never);
    const ac = new AbortController();
    const waiting = lim.acquire(1, false, ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    release();
    const again = await lim.acquire(1, false, never);
    again();
  });
});
