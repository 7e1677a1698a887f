/**
 * The only file that talks to itk-wasm: ITK's own readers and writers give the geometry SimpleITK reports
 * (LPS origin, row-major direction, spacing in file axis order). Pixel data is x-fastest, which is C order
 * for the reversed (z, y, x) array nnU-Net gets from sitk.GetArrayFromImage.
 */
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import type { Image } from 'itk-wasm';
import { ImageError } from '../errors.js';
import type { VoxelArray } from '../volume.js';

type ItkNumeric = VoxelArray | BigInt64Array | BigUint64Array;

export interface ItkRaw {
  dimension: number;
  /** file axis order (x, y[, z[, t]]) */
  size: number[];
  spacing: number[];
  origin: number[];
  /** row-major dimension x dimension, as SimpleITK GetDirection() */
  direction: number[];
  /** per-pixel components (RGB = 3), interleaved, components fastest */
  components: number;
  data: ItkNumeric;
}

export async function itkRead(file: string): Promise<ItkRaw> {
  let img: Image;
  try {
    img = await readImageNode(file);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ImageError('IMAGE_READ_FAILED', `${file}: ITK could not read the file (${detail.split('\n')[0]})`, { file }, { cause: err });
  }
  const { dimension, components } = img.imageType;
  const data = img.data as ItkNumeric | null;
  const expected = img.size.reduce((a, b) => a * b, 1) * components;
  if (!data || data.length !== expected) {
    throw new ImageError(
      'IMAGE_SIZE_MISMATCH',
      `${file}: size [${img.size.join(', ')}] x ${components} components needs ${expected} values, got ${data?.length ?? 0}`,
      { file },
    );
  }
  return {
    dimension,
    size: [...img.size],
    spacing: [...img.spacing],
    origin: [...img.origin],
    direction: Array.from(img.direction as ArrayLike<number>, (v) => v + 0), // +0 turns ITK's -0 into 0
    components,
    data,
  };
}

const COMPONENT_TYPE = new Map<string, string>([
  ['Float32Array', 'float32'],
  ['Float64Array', 'float64'],
  ['Int8Array', 'int8'],
  ['Uint8Array', 'uint8'],
  ['Int16Array', 'int16'],
  ['Uint16Array', 'uint16'],
  ['Int32Array', 'int32'],
  ['Uint32Array', 'uint32'],
]);

export async function itkWrite(file: string, raw: Omit<ItkRaw, 'data'> & { data: VoxelArray }): Promise<void> {
  const componentType = COMPONENT_TYPE.get(raw.data.constructor.name);
  if (!componentType) {
    throw new ImageError('IMAGE_UNSUPPORTED_DATATYPE', `${file}: cannot write ${raw.data.constructor.name}`, { file });
  }
  const image = {
    imageType: {
      dimension: raw.dimension,
      componentType,
      pixelType: raw.components === 1 ? 'Scalar' : raw.components === 4 ? 'RGBA' : 'RGB',
      components: raw.components,
    },
    name: 'image',
    origin: raw.origin,
    spacing: raw.spacing,
    direction: Float64Array.from(raw.direction),
    size: raw.size,
    metadata: new Map(),
    data: raw.data,
  } as unknown as Image;
  try {
    await writeImageNode(image, file, { useCompression: true });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ImageError('IMAGE_WRITE_FAILED', `${file}: ITK could not write the file (${detail.split('\n')[0]})`, { file }, { cause: err });
  }
}
