/**
 * The only file that talks to itk-wasm: ITK's own readers and writers give the geometry SimpleITK reports
 * (LPS origin, row-major direction, spacing in file axis order). Pixel data is x-fastest, which is C order
 * for the reversed (z, y, x) array nnU-Net gets from sitk.GetArrayFromImage.
 */
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import type { Image } from 'itk-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImageError } from '../errors.js';
import type { VoxelArray } from '../volume.js';

/** The ITK ImageIO (itk-wasm pipeline prefix) of each file ending, as @itk-wasm/image-io maps them. */
const IO_OF_ENDING: Array<[string, string]> = [
  ['.nii.gz', 'nifti'],
  ['.nii', 'nifti'],
  ['.nrrd', 'nrrd'],
  ['.nhdr', 'nrrd'],
  ['.mha', 'meta'],
  ['.mhd', 'meta'],
  ['.gipl', 'gipl'],
  ['.png', 'png'],
  ['.bmp', 'bmp'],
  ['.tif', 'tiff'],
  ['.tiff', 'tiff'],
];

interface EmscriptenModule {
  mountDir(dir: string): string;
  unmountDir(dir: string): void;
}
type RunEmscripten = (
  module: EmscriptenModule,
  args: string[],
  outputs: Array<{ type: string }>,
  inputs: unknown[],
) => { returnValue: number; stderr: string; outputs: Array<{ data: unknown }> };

/**
 * itk-wasm's Node entry points load, decompress and instantiate the whole wasm module on every call (~5 MB,
 * tens of ms - more than reading a small image). We keep one instance per reader, the way itk-wasm's own
 * browser runner does, through its pipeline internals (pinned by the lockfile). If they move, reads go
 * through the public API instead.
 */
const internals: Promise<{ load: (path: string) => Promise<EmscriptenModule>; run: RunEmscripten; pipelines: string } | null> = (async () => {
  try {
    // itk-wasm is @itk-wasm/image-io's dependency: resolve it from there, not from our package
    const imageIo = createRequire(import.meta.url).resolve('@itk-wasm/image-io');
    const itkDist = dirname(createRequire(imageIo).resolve('itk-wasm'));
    const internal = (f: string) => import(pathToFileURL(join(itkDist, 'pipeline', 'internal', f)).href);
    const [load, run] = await Promise.all([internal('load-emscripten-module-node.js'), internal('run-pipeline-emscripten.js')]);
    return { load: load.default, run: run.default, pipelines: join(dirname(imageIo), 'pipelines') };
  } catch {
    return null;
  }
})();
/** Whether reads and writes use cached instances (false: itk-wasm's internals moved; the public API is used). */
export const itkInstancesCached = async (): Promise<boolean> => (await internals) !== null;

const modules = new Map<string, Promise<EmscriptenModule>>();
// itk-wasm InterfaceTypes values
const JSON_OUT = 'JsonCompatible';
const IMAGE_IO = 'Image';
/**
 * A wasm heap never shrinks: an instance that has held a big volume is dropped after use so its memory goes
 * back (re-instantiating costs far less than such a volume's I/O).
 */
const KEEP_INSTANCE_BELOW_BYTES = 32 * 2 ** 20;

const imageBytes = (img: Image | undefined): number => (img?.data as ArrayBufferView | null | undefined)?.byteLength ?? 0;

/**
 * Runs the `<io>-read-image` / `<io>-write-image` pipeline for `file` on its cached instance, with the file's
 * folder mounted; returns the outputs, or null when the internals are unavailable (callers use the public API).
 */
async function runCached(file: string, verb: 'read' | 'write', args: string[], outputs: Array<{ type: string }>, inputs: unknown[]): Promise<unknown[] | null> {
  const it = await internals;
  const io = IO_OF_ENDING.find(([e]) => file.toLowerCase().endsWith(e))?.[1];
  if (!it || !io) return null;
  const pipeline = join(it.pipelines, `${io}-${verb}-image`);
  let module = modules.get(pipeline);
  if (!module) modules.set(pipeline, (module = it.load(pipeline)));
  const m = await module;
  const mounted = m.mountDir(dirname(file));
  try {
    const { value: result, said } = quietly(() => it.run(m, args, outputs, inputs));
    if (result.returnValue !== 0 || result.outputs[0]?.data !== true) throw new Error(result.stderr.trim() || `could not ${verb} ${file}`);
    // libtiff returns the pages it could read from a truncated stack and only warns: fewer slices, no error
    const broken = said.find((l) => TIFF_READ_ERROR.test(l));
    if (broken) throw new Error(`truncated or corrupt TIFF (${broken.trim()})`);
    const data = result.outputs.map((o) => o.data);
    const held = verb === 'read' ? imageBytes(data[1] as Image) : imageBytes((inputs[0] as { data: Image }).data);
    if (held >= KEEP_INSTANCE_BELOW_BYTES) modules.delete(pipeline);
    return data;
  } catch (err) {
    // an aborted wasm instance is not reusable
    modules.delete(pipeline);
    throw err;
  } finally {
    m.unmountDir(mounted);
  }
}

/** libtiff's messages for data it could not read (its harmless warnings, e.g. unknown tags, do not match). */
const TIFF_READ_ERROR = /Can not read TIFF directory|Failed to read directory|Read error (on strip|at scanline|on tile)|Seek error/i;

/**
 * Runs a (synchronous) wasm pipeline with the console muted: on a bad file itk-wasm logs the failure with
 * console.log - onto our stdout - and libtiff/libpng warn through console.error. What they said becomes the
 * thrown error's message, so it reaches the user once, next to the file name.
 */
function quietly<T>(run: () => T): { value: T; said: string[] } {
  const said: string[] = [];
  const saved = { log: console.log, error: console.error, warn: console.warn };
  const keep = (...parts: unknown[]) => { said.push(parts.map(String).join(' ')); };
  Object.assign(console, { log: keep, error: keep, warn: keep });
  try {
    return { value: run(), said };
  } catch (err) {
    const detail = said.filter((l) => !/^(Exception while running pipeline|stdout|stderr):?\s*$|^Build module in Debug mode/.test(l.trim()));
    throw new Error([...detail, err instanceof Error ? err.message : String(err)].join('\n'), { cause: err });
  } finally {
    Object.assign(console, saved);
  }
}

async function readCached(file: string): Promise<Image | null> {
  const out = await runCached(file, 'read', [file, '0', '1', '--memory-io'], [{ type: JSON_OUT }, { type: IMAGE_IO }], []);
  return out ? (out[1] as Image) : null;
}

async function writeCached(file: string, image: Image): Promise<boolean> {
  const out = await runCached(file, 'write', ['0', '0', file, '--memory-io', '--use-compression'], [{ type: JSON_OUT }], [{ type: IMAGE_IO, data: image }]);
  return out !== null;
}

/** ITK's message, or what a bare C++ exception (a release wasm build throws its address) most likely means. */
function itkDetail(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).split('\n').find((l) => l.trim() && !/^(Exception while running pipeline|stdout|stderr):?\s*$/.test(l.trim()));
  return !text || /^\d+$/.test(text.trim()) ? 'corrupt, truncated or not this format' : text.trim();
}

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
    img = (await readCached(file)) ?? (await readImageNode(file));
  } catch (err) {
    throw new ImageError('IMAGE_READ_FAILED', `${file}: ITK could not read the file (${itkDetail(err)})`, { file }, { cause: err });
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
    origin: img.origin.map((v) => v + 0),
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
    if (!(await writeCached(file, image))) await writeImageNode(image, file, { useCompression: true });
  } catch (err) {
    throw new ImageError('IMAGE_WRITE_FAILED', `${file}: ITK could not write the file (${itkDetail(err)})`, { file }, { cause: err });
  }
}
