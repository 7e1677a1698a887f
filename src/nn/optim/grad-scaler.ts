/**
 * torch.amp.GradScaler's dynamic loss scale with its defaults, which nnU-Net keeps: the loss is multiplied by the
 * scale before backward so small gradients survive f16 operands, the gradients are divided by it again before
 * clipping, and a step whose gradients hold an inf or NaN is skipped. update() then moves the scale: halved after
 * such a step (the growth count restarts), doubled after growthInterval finite steps in a row.
 */
import { NnunetError } from '../../engine/errors.js';

export const GRAD_SCALER = { initScale: 2 ** 16, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000 } as const;

/** What a checkpoint keeps (torch's state_dict: scale and _growth_tracker; the factors are the constants above). */
export interface GradScalerState {
  scale: number;
  growthTracker: number;
}

export class GradScaler {
  scale: number = GRAD_SCALER.initScale;
  private growthTracker = 0;
  /** steps skipped since the count was last taken (the epoch's log line) */
  private skipped = 0;

  /** After a step: whether all its gradients were finite (the step was applied). */
  update(finite: boolean): void {
    if (!finite) {
      this.scale *= GRAD_SCALER.backoffFactor;
      this.growthTracker = 0;
      this.skipped++;
      return;
    }
    this.growthTracker++;
    if (this.growthTracker === GRAD_SCALER.growthInterval) {
      this.scale *= GRAD_SCALER.growthFactor;
      this.growthTracker = 0;
    }
  }

  /** Skipped steps since the last call. */
  takeSkipped(): number {
    const n = this.skipped;
    this.skipped = 0;
    return n;
  }

  state(): GradScalerState {
    return { scale: this.scale, growthTracker: this.growthTracker };
  }

  /** Restores a checkpoint's state; `source` names the checkpoint in the error a broken one gets. */
  load(s: GradScalerState, source: string): void {
    const ok = typeof s?.scale === 'number' && Number.isFinite(s.scale) && s.scale > 0
      && Number.isInteger(s.growthTracker) && s.growthTracker >= 0 && s.growthTracker < GRAD_SCALER.growthInterval;
    if (!ok) {
      throw new NnunetError('CHECKPOINT_CORRUPT', `${source}: gradScaler must be { scale: a positive number, growthTracker: an integer in [0, ${GRAD_SCALER.growthInterval}) }, got ${JSON.stringify(s)}`, { file: source });
    }
    this.scale = s.scale;
    this.growthTracker = s.growthTracker;
  }
}
