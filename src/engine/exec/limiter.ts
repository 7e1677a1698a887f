import { AbortedError } from '../errors.js';

/**
 * Resource classes for running actions: `capacity` CPU slots shared by weight, and at most one action
 * holding the accelerator. Waiters are served in arrival order so a wide action is not starved.
 */
export class Limiter {
  private used = 0;
  private accelerator = false;
  private readonly queue: Array<{ weight: number; acc: boolean; wake: () => void }> = [];

  constructor(readonly capacity: number) {}

  async acquire(cpus: number, acc: boolean, signal: AbortSignal): Promise<() => void> {
    const weight = Math.max(1, Math.min(cpus, this.capacity));
    if (!(this.queue.length === 0 && this.fits(weight, acc))) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(new AbortedError());
            this.drain();
          }
        };
        // the listener goes when the slot is granted: thousands of queued actions share one run signal
        const entry = { weight, acc, wake: () => { signal.removeEventListener('abort', onAbort); resolve(); } };
        this.queue.push(entry);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    } else {
      this.take(weight, acc);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= weight;
      if (acc) this.accelerator = false;
      this.drain();
    };
  }

  private fits(weight: number, acc: boolean): boolean {
    return this.used + weight <= this.capacity && !(acc && this.accelerator);
  }

  private take(weight: number, acc: boolean): void {
    this.used += weight;
    if (acc) this.accelerator = true;
  }

  private drain(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0].weight, this.queue[0].acc)) {
      const next = this.queue.shift()!;
      this.take(next.weight, next.acc);
      next.wake();
    }
  }
}
