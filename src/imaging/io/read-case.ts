/**
 * A case's files as nnU-Net's reader/writer class hands them to the pipeline, and predictions back in each file's
 * own layout. Every read of a training, validation or test case goes through here, so the fingerprint, the
 * preprocessed data, validation and prediction all see the same arrays; `readerWriter` is the class name
 * (plans' image_reader_writer, or the dataset.json override). Only NibabelIOWithReorient changes the arrays: they
 * are RAS-reoriented, spacing and shape with them, while `geometry` stays the file's for the writer.
 */
import type { ImageGeometry, Shape3, Volume, VoxelArray } from '../volume.js';
import { readImage, readSegmentation } from './read.js';
import { reorientsToRas } from './reader-writer.js';
import { rasReorientation, reorientVolume, undoReorientation } from './reorient.js';

const reorientation = (geometry: ImageGeometry, readerWriter: string | undefined) =>
  reorientsToRas(readerWriter) ? rasReorientation(geometry) : null;

function asReaderSees(vol: Volume<Float32Array>, readerWriter: string | undefined): Volume<Float32Array> {
  const r = reorientation(vol.geometry, readerWriter);
  return r ? reorientVolume(vol, r) : vol;
}

/** One case's channel files, stacked, in the reader/writer's array layout. */
export async function readCase(files: string[], readerWriter: string | undefined): Promise<Volume<Float32Array>> {
  return asReaderSees(await readImage(files), readerWriter);
}

/** A label map (reference, previous stage) in the reader/writer's array layout; its own affine decides. */
export async function readCaseSegmentation(file: string, readerWriter: string | undefined): Promise<Volume<Float32Array>> {
  return asReaderSees(await readSegmentation(file), readerWriter);
}

/**
 * (channels, ...shape) data in the reader/writer's layout put back in the layout of the file whose `geometry` it
 * is written with (the writer's half of NibabelIOWithReorient).
 */
export function toFileLayout<T extends VoxelArray>(data: T, channels: number, shape: Shape3, geometry: ImageGeometry,
  readerWriter: string | undefined): { data: T; shape: Shape3 } {
  const r = reorientation(geometry, readerWriter);
  return r ? undoReorientation(data, channels, shape, r) : { data, shape };
}
