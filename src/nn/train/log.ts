/** One line of training_log.json per epoch (the fields nnU-Net's logger keeps, in its units). */
export interface EpochLog {
  epoch: number;
  train_loss: number;
  val_loss: number;
  /** per foreground class / region; null where undefined (no voxel of that class, numpy NaN) */
  pseudo_dice: (number | null)[];
  mean_fg_dice: number | null;
  ema_fg_dice: number | null;
  lr: number;
  epoch_time_s: number;
}

/** JSON has no NaN: store it as null, as the log readers expect. */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
