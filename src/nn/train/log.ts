/**
 * One line of training_log.json per epoch (the fields nnU-Net's logger keeps, in its units). The epoch's wall
 * time is kept apart (`EpochTimes`): a seeded CPU run must give the same bytes twice, and a cached training
 * output cannot hold a clock reading. The action record keeps the times; `nnunet train --out` merges them back.
 */
export interface EpochLog {
  epoch: number;
  train_loss: number;
  val_loss: number;
  /** per foreground class / region; null where undefined (no voxel of that class, numpy NaN) */
  pseudo_dice: (number | null)[];
  mean_fg_dice: number | null;
  ema_fg_dice: number | null;
  lr: number;
}

/** seconds per epoch, by epoch index; null for an epoch whose time was not kept */
export type EpochTimes = (number | null)[];

export type TimedEpochLog = EpochLog & { epoch_time_s: number | null };

export function withEpochTimes(log: readonly EpochLog[], times: EpochTimes): TimedEpochLog[] {
  return log.map((e) => ({ ...e, epoch_time_s: times[e.epoch] ?? null }));
}

/** JSON has no NaN: store it as null, as the log readers expect. */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
