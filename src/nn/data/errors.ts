import { NnunetError } from '../../engine/errors.js';

/** Bad preprocessed data or loader options; `code` is one of the DATA_* codes below. */
export class DataError extends NnunetError {}

export const DATA_CASES_MISSING = 'DATA_CASES_MISSING';
export const DATA_CASE_INVALID = 'DATA_CASE_INVALID';
export const DATA_OPTIONS_INVALID = 'DATA_OPTIONS_INVALID';
export const DATA_WORKER_FAILED = 'DATA_WORKER_FAILED';
