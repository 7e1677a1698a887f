export * from './volume.js';
export { ImageError } from './errors.js';
export { readImage, readSegmentation, readerFor, type ReaderKind } from './io/read.js';
export { writeImage, writeSegmentation } from './io/write.js';
export { readNpy, writeNpy, decodeNpy, encodeNpy, type NpyArray } from './io/npy.js';
