/**
 * nnU-Net's writers (spec §1.3): segmentations as uint8 when the max label < 255 else uint16, with the
 * geometry captured at read time; 2D outputs drop the leading axis; 3D TIFFs get a `<case>.json` spacing
 * sidecar as Tiff3DIO writes it.
 */
import { writeFile } from 'node:fs/promises';
import { ImageError } from '../errors.js';
import { voxelCount, type ImageGeometry, type Shape3, type Volume, type VoxelArray } from '../volume.js';
import { itkWrite } from './itk.js';
import { readerFor } from './read.js';

function narrowLabels(file: string, seg: Uint8Array | Uint16Array | Int16Array): Uint8Array | Uint16Array {
  let max = 0;
  for (let i = 0; i < seg.length; i++) {
    const v = seg[i];
    if (v < 0) throw new ImageError('IMAGE_BAD_ARGUMENT', `${file}: segmentation holds negative label ${v} at voxel ${i}`, { file });
    if (v > max) max = v;
  }
  const Target = max < 255 ? Uint8Array : Uint16Array;
  if (seg instanceof Target) return seg;
  const out = new Target(seg.length);
  out.set(seg);
  return out;
}

/** Writes one volume of `channels` x `shape` voxels; multi-channel only as RGB(A) 2D images. */
async function writeVoxels(file: string, data: VoxelArray, channels: number, shape: Shape3, geometry: ImageGeometry): Promise<void> {
  const { kind, ending } = readerFor(file);
  const n = voxelCount(shape);
  if (data.length !== n * channels) {
    throw new ImageError('IMAGE_BAD_ARGUMENT', `${file}: ${data.length} values do not fill ${channels} x [${shape.join(', ')}]`, { file });
  }
  const flat = geometry.dimension === 2;
  if (flat && shape[0] !== 1) {
    throw new ImageError('IMAGE_BAD_ARGUMENT', `${file}: a 2D image needs a leading axis of 1, got shape [${shape.join(', ')}]`, { file });
  }
  const rgb = flat && (channels === 3 || channels === 4) && (kind === 'natural2d' || kind === 'tif');
  if (channels !== 1 && !rgb) {
    throw new ImageError('IMAGE_BAD_ARGUMENT', `${file}: can write ${channels} channels only as an RGB(A) 2D image`, { file });
  }
  let pixels = data;
  if (rgb) {
    // ITK wants interleaved components
    pixels = new (data.constructor as new (len: number) => VoxelArray)(data.length);
    for (let i = 0; i < n; i++) for (let k = 0; k < channels; k++) pixels[i * channels + k] = data[k * n + i];
  }
  const size = flat ? [shape[2], shape[1]] : [shape[2], shape[1], shape[0]];
  await itkWrite(file, {
    dimension: geometry.dimension,
    size,
    spacing: geometry.itkSpacing,
    origin: geometry.itkOrigin,
    direction: geometry.itkDirection,
    components: channels,
    data: pixels,
  });
  if (!flat && (kind === 'tif' || kind === 'tiff3d')) {
    const s = geometry.itkSpacing;
    await writeFile(file.slice(0, file.length - ending.length) + '.json', JSON.stringify({ spacing: [s[2], s[1], s[0]] }));
  }
}

export async function writeSegmentation(
  file: string,
  seg: Uint8Array | Uint16Array | Int16Array,
  shape: Shape3,
  geometry: ImageGeometry,
): Promise<void> {
  await writeVoxels(file, narrowLabels(file, seg), 1, shape, geometry);
}

/** Writes a volume in its own dtype (test data, generators, probability maps). */
export async function writeImage(file: string, vol: Volume): Promise<void> {
  await writeVoxels(file, vol.data, vol.channels, vol.shape, vol.geometry);
}
