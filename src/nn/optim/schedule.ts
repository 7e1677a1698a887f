/** PolyLRScheduler of nnU-Net, set at the start of each (0-based) epoch: lr = lr0 · (1 − epoch/maxEpochs)^exponent. */
export function polyLr(initialLr: number, epoch: number, maxEpochs: number, exponent = 0.9): number {
  return initialLr * (1 - epoch / maxEpochs) ** exponent;
}
