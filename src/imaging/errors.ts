import { NnunetError } from '../engine/errors.js';

/**
 * Bad image data or an impossible operation on it. Codes are stable (tests and the CLI key on them):
 * IMAGE_NOT_FOUND, IMAGE_TRUNCATED, IMAGE_CORRUPT, IMAGE_BAD_MAGIC, IMAGE_SIZE_MISMATCH,
 * IMAGE_UNSUPPORTED_DATATYPE, IMAGE_UNSUPPORTED_FORMAT, IMAGE_UNSUPPORTED_PIXEL, IMAGE_UNSUPPORTED_DIMENSION,
 * IMAGE_NONFINITE, IMAGE_CHANNEL_MISMATCH, IMAGE_READ_FAILED, IMAGE_WRITE_FAILED, IMAGE_BAD_ARGUMENT.
 */
export class ImageError extends NnunetError {}
