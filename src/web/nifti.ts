/**
 * NIfTI-1 read/write for the browser page, without ITK: ITK (itk-wasm) needs Node's file system here, and the page
 * only ever sees one dropped file. Reading gives the same Volume as src/imaging/io/read.ts does for a NIfTI file
 * (array order (z, y, x), spacing reversed and absolute, scl_slope applied, NaN/Inf refused); the label map is
 * written with the dropped file's own header, so its geometry (qform, sform, units) is the input's byte for byte.
 * gzip goes through the browser's (and Node's) CompressionStream / DecompressionStream.
 */
import { ImageError } from '../imaging/errors.js';
import { parseNiftiLayout } from '../imaging/io/nifti-header.js';
import type { ImageGeometry, Shape3, Volume } from '../imaging/volume.js';

const HEADER = 348;
/** header + the 4-byte extension flag: where the voxels start in what we write */
const VOX_OFFSET = 352;

export interface NiftiImage {
  volume: Volume<Float32Array>;
  /** the file's 348 header bytes, kept to write the segmentation on the same geometry */
  header: Uint8Array;
  littleEndian: boolean;
}

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/** Inflates a .nii.gz (recognised by its gzip magic, whatever the name); a truncated stream is an error. */
export async function niftiBytes(file: Uint8Array, name: string): Promise<Uint8Array> {
  if (!isGzip(file)) return file;
  try {
    return await pipe(file, new DecompressionStream('gzip'));
  } catch (cause) {
    throw new ImageError('IMAGE_CORRUPT', `${name}: not a complete gzip stream (${(cause as Error).message})`, { file: name }, { cause });
  }
}

/** NIfTI xyzt_units -> factor to millimetres, as ITK's reader scales spacing and origin. */
function toMm(units: number): number {
  const space = units & 0x07;
  return space === 1 ? 1000 : space === 3 ? 0.001 : 1;
}

/**
 * ITK's direction and origin (LPS): the qform when its code is set, else the sform, else the axes with pixdim.
 * The page writes through the input's header, so these only travel in the case properties, as in `nnunet predict`.
 */
function geometryOf(v: DataView, le: boolean, spacing: number[], mm: number): ImageGeometry {
  const f = (o: number) => v.getFloat32(o, le);
  const qformCode = v.getInt16(252, le);
  const sformCode = v.getInt16(254, le);
  let rot: number[];
  let origin: number[];
  if (qformCode > 0 || sformCode <= 0) {
    const [b, c, d] = [f(256), f(260), f(264)];
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const qfac = f(76) < 0 ? -1 : 1;
    rot = qformCode > 0
      ? [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c) * qfac,
        2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b) * qfac,
        2 * (b * d - a * c), 2 * (c * d + a * b), (a * a + d * d - c * c - b * b) * qfac]
      : [1, 0, 0, 0, 1, 0, 0, 0, 1];
    origin = qformCode > 0 ? [f(268), f(272), f(276)] : [0, 0, 0];
  } else {
    const row = (o: number) => [f(o), f(o + 4), f(o + 8), f(o + 12)];
    const m = [row(280), row(296), row(312)];
    rot = [0, 1, 2].flatMap((r) => [0, 1, 2].map((col) => m[r][col] / (spacing[col] || 1)));
    origin = m.map((r) => r[3]);
  }
  // RAS (NIfTI) -> LPS (ITK): negate the first two rows
  const lps = rot.map((x, i) => (i < 6 ? -x : x) + 0);
  return { dimension: 3, itkSpacing: spacing.map((s) => s * mm), itkOrigin: origin.map((o, i) => (i < 2 ? -o : o) * mm + 0), itkDirection: lps };
}

/** Reads a single-file NIfTI-1 (3D, or 4D with the channels along the 4th axis as SimpleITKIO reads it). */
export async function readNifti(file: Uint8Array, name: string): Promise<NiftiImage> {
  const bytes = await niftiBytes(file, name);
  const layout = parseNiftiLayout(bytes, name);
  if (layout.version !== 1) {
    throw new ImageError('IMAGE_UNSUPPORTED_FORMAT', `${name}: NIfTI-2 files are not read in the browser; convert to NIfTI-1 (e.g. with nibabel)`, { file: name });
  }
  const { dims, littleEndian: le, voxOffset, dataBytes, datatype } = layout;
  if (dims.length < 3 || dims.length > 4 || dims.slice(4).some((d) => d !== 1)) {
    throw new ImageError('IMAGE_UNSUPPORTED_DIMENSION', `${name}: dims [${dims.join(', ')}]; the page reads 3D images (4D: one channel per volume)`, { file: name });
  }
  if (bytes.length < voxOffset + dataBytes) {
    throw new ImageError('IMAGE_SIZE_MISMATCH',
      `${name}: dims [${dims.join(', ')}] need ${dataBytes} data bytes from offset ${voxOffset}, but the file holds ${Math.max(0, bytes.length - voxOffset)}`, { file: name });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [x, y, z] = dims;
  const channels = dims[3] ?? 1;
  const n = x * y * z * channels;
  const data = new Float32Array(n);
  const read = voxelReader(view, datatype, le);
  const size = dataBytes / n;
  const slope = view.getFloat32(112, le);
  const inter = view.getFloat32(116, le);
  // ITK applies the scaling unless it is absent (slope 0) or the identity
  const scaled = slope !== 0 && Number.isFinite(slope) && !(slope === 1 && inter === 0);
  for (let i = 0, o = voxOffset; i < n; i++, o += size) {
    const value = read(o);
    if (!Number.isFinite(value)) {
      throw new ImageError('IMAGE_NONFINITE', `${name}: voxel ${i} is NaN or Inf (non-finite voxels are not allowed)`, { file: name });
    }
    data[i] = scaled ? value * slope + inter : value;
  }
  const pixdim = [1, 2, 3].map((i) => Math.abs(view.getFloat32(76 + 4 * i, le)));
  const mm = toMm(bytes[123]);
  const geometry = geometryOf(view, le, pixdim, mm);
  const sp = geometry.itkSpacing.map(Math.abs);
  const volume: Volume<Float32Array> = { data, channels, shape: [z, y, x], spacing: [sp[2], sp[1], sp[0]], geometry };
  return { volume, header: bytes.slice(0, HEADER), littleEndian: le };
}

function voxelReader(v: DataView, datatype: number, le: boolean): (offset: number) => number {
  switch (datatype) {
    case 2: return (o) => v.getUint8(o);
    case 4: return (o) => v.getInt16(o, le);
    case 8: return (o) => v.getInt32(o, le);
    case 16: return (o) => v.getFloat32(o, le);
    case 64: return (o) => v.getFloat64(o, le);
    case 256: return (o) => v.getInt8(o);
    case 512: return (o) => v.getUint16(o, le);
    case 768: return (o) => v.getUint32(o, le);
    case 1024: return (o) => Number(v.getBigInt64(o, le));
    default: return (o) => Number(v.getBigUint64(o, le));
  }
}

/**
 * A label map (array order (z, y, x)) as NIfTI-1 on the source image's header: uint8 when the largest label is below
 * 255, else uint16, as the project's writer chooses; gzip-compressed when `gzip`.
 */
export async function writeSegmentationNifti(source: NiftiImage, seg: ArrayLike<number>, shape: Shape3, gzip: boolean): Promise<Uint8Array> {
  const [z, y, x] = shape;
  const n = x * y * z;
  if (seg.length !== n) throw new ImageError('IMAGE_BAD_ARGUMENT', `segmentation has ${seg.length} voxels, shape [${shape.join(', ')}] needs ${n}`);
  let max = 0;
  for (let i = 0; i < n; i++) if (seg[i] > max) max = seg[i];
  const bytesPer = max < 255 ? 1 : 2;
  const out = new Uint8Array(VOX_OFFSET + n * bytesPer);
  out.set(source.header);
  const v = new DataView(out.buffer);
  const le = source.littleEndian;
  const dim = [3, x, y, z, 1, 1, 1, 1];
  dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, le));
  v.setInt16(70, bytesPer === 1 ? 2 : 512, le); // datatype uint8 / uint16
  v.setInt16(72, 8 * bytesPer, le); // bitpix
  v.setFloat32(108, VOX_OFFSET, le);
  v.setFloat32(112, 1, le); // scl_slope
  v.setFloat32(116, 0, le); // scl_inter
  v.setFloat32(124, 0, le); // cal_max
  v.setFloat32(128, 0, le); // cal_min
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0": single file, whatever the source said
  for (let i = 0; i < n; i++) {
    if (bytesPer === 1) out[VOX_OFFSET + i] = seg[i];
    else v.setUint16(VOX_OFFSET + 2 * i, seg[i], le);
  }
  return gzip ? pipe(out, new CompressionStream('gzip')) : out;
}
