export { runTraining, TrainError, type TrainHooks, type TrainResult } from './loop.js';
export { TRAINING, type TrainConfig, type CaseRef } from './config.js';
export { trainStep, validationStep, type StepSetup, type LoaderBatch } from './step.js';
export { withEpochTimes, type EpochLog, type EpochTimes, type TimedEpochLog } from './log.js';
export { progressSvg } from './progress-svg.js';
export { accumulateCounts, pseudoDice, nanMean, emaUpdate, emptyCounts, type DiceCounts } from './pseudo-dice.js';
export { channelsFirstToLast } from './layout.js';
export { trainInWorker, type WorkerHooks } from './run-in-worker.js';
