/**
 * The in-memory image, laid out exactly as nnU-Net holds it (spec §0, §1.3):
 * channels first, then three spatial axes in the reader's array order. For SimpleITK-readable files that
 * is (z, y, x) - the slowest array axis is the image's z - and `spacing` is SimpleITK's spacing reversed.
 * 2D images are 3D with a leading spatial axis of length 1 and spacing 999 * max(in-plane spacing)
 * (NaturalImage2DIO: 999).
 */
export type VoxelArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

export type Shape3 = [number, number, number];

/** What a writer needs to put a segmentation back on top of its image (SimpleITK's view of the file). */
export interface ImageGeometry {
  /** spatial dimension of the file (2 or 3) */
  dimension: 2 | 3;
  /** SimpleITK GetSpacing(): file axis order (x, y[, z]) */
  itkSpacing: number[];
  /** SimpleITK GetOrigin() */
  itkOrigin: number[];
  /** SimpleITK GetDirection(): row-major dimension x dimension */
  itkDirection: number[];
}

export interface Volume<T extends VoxelArray = VoxelArray> {
  /** C order, (channels, s0, s1, s2) */
  data: T;
  channels: number;
  /** spatial shape in array order */
  shape: Shape3;
  /** voxel size along each array axis (same order as shape) */
  spacing: Shape3;
  geometry: ImageGeometry;
}

export const voxelCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
