/**
 * torch.save's zip format (PyTorch >= 1.6): `<archive>/data.pkl` (the object, with tensors as persistent
 * references to storages) and `<archive>/data/<key>` (each storage's raw little-endian bytes). Read through the
 * restricted unpickler with exactly the globals a checkpoint holds.
 */
import { MAX_READ_BYTES, readBounded, UnreadableFileError } from '../../util/read-bounded.js';
import { unzipBuffer } from '../../nn/predict/zip.js';
import { CONTAINER_GLOBALS, NUMPY_GLOBALS, unpickle, type AllowList } from './unpickle.js';
import {
  DTYPE_BYTES, PickleError, PyGlobal, PyObject, PyTuple, TorchTensor,
  type PyValue, type TorchDtype, type TorchStorage,
} from './values.js';

/** storage class -> element type (torch.FloatStorage is what torch.save names for a float32 tensor's storage) */
export const STORAGE_DTYPES: Readonly<Record<string, TorchDtype>> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};

const int = (v: PyValue, what: string): number => {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer`);
  return n;
};
const ints = (v: PyValue, what: string): number[] => {
  if (!(v instanceof PyTuple) && !Array.isArray(v)) throw new Error(`${what} must be a tuple`);
  const items = v instanceof PyTuple ? v.items : v;
  if (items.length > 16) throw new Error(`${what} has ${items.length} dimensions`);
  return items.map((x) => int(x, what));
};

const rebuildTensor = (args: PyValue[]): PyValue => {
  const [storage, offset, size, stride] = args;
  if (!(typeof storage === 'object' && storage !== null && 'bytes' in storage && 'dtype' in storage && 'key' in storage)) {
    throw new Error('first argument is not a storage');
  }
  const st = storage as TorchStorage;
  const t = new TorchTensor(st, int(offset, 'storage offset'), ints(size, 'size'), ints(stride, 'stride'));
  if (t.shape.length !== t.stride.length) throw new Error('size and stride differ in length');
  const numel = st.bytes.length / DTYPE_BYTES[st.dtype];
  const last = t.size === 0 ? t.offset : t.shape.reduce((a, d, i) => a + (d - 1) * t.stride[i], t.offset);
  if (t.size > 0 && last >= numel) throw new Error(`a tensor of shape [${t.shape}] reaches element ${last} of a storage of ${numel}`);
  return t;
};

export const CHECKPOINT_GLOBALS: AllowList = {
  ...CONTAINER_GLOBALS,
  ...NUMPY_GLOBALS,
  ...Object.fromEntries(Object.keys(STORAGE_DTYPES).map((s) => [`torch.${s}`, 'symbol' as const])),
  'torch._utils._rebuild_tensor_v2': rebuildTensor,
  // nn.Parameter(data, requires_grad, hooks): the data is all inference needs
  'torch._utils._rebuild_parameter': ([data]) => {
    if (!(data instanceof TorchTensor)) throw new Error('expects a tensor');
    return data;
  },
  'torch.device': (args) => new PyObject('torch.device', args),
};

/** A pickle or torch.save file's bytes; a folder, FIFO, device or oversized file is a PickleError naming it. */
export async function readPickleFile(file: string, maxBytes = MAX_READ_BYTES): Promise<Buffer> {
  try {
    return await readBounded(file, maxBytes);
  } catch (cause) {
    if (cause instanceof UnreadableFileError) throw new PickleError('PTH_UNREADABLE', `${file}: cannot read (${cause.message})`, { file }, { cause });
    throw cause;
  }
}

/** The loaded object of a .pth file (an nnU-Net checkpoint is a dict). */
export async function readPth(file: string): Promise<PyValue> {
  return loadPth(await readPickleFile(file), file);
}

export function loadPth(buf: Buffer, file: string, allow: AllowList = CHECKPOINT_GLOBALS): PyValue {
  if (buf.length >= 2 && buf[0] === 0x80) {
    throw new PickleError('PTH_LEGACY_FORMAT', `${file} is in torch's legacy (pre-1.6) format; load and save it again with torch >= 1.6`, { file });
  }
  // torch.save stores members uncompressed: a deflated member that inflates 200-fold is a zip bomb, not a checkpoint
  const members = unzipBuffer(buf, file, { maxRatio: 200 });
  const pkl = [...members.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n) || n === 'data.pkl');
  if (!pkl) throw new PickleError('PTH_INVALID', `${file}: no data.pkl in the archive (not a torch.save file)`, { file });
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: PyValue): PyValue => {
    const items = pid instanceof PyTuple ? pid.items : [];
    const [tag, type, key, , numel] = items;
    if (tag !== 'storage' || !(type instanceof PyGlobal) || typeof key !== 'string') {
      throw new PickleError('PTH_INVALID', `${file}: unknown persistent reference`, { file });
    }
    const dtype = STORAGE_DTYPES[type.name];
    if (!dtype || type.module !== 'torch') throw new PickleError('PTH_UNSUPPORTED', `${file}: storage type ${type.qualified}`, { file });
    const cached = storages.get(key);
    if (cached) return cached;
    const bytes = members.get(`${prefix}data/${key}`);
    if (!bytes) throw new PickleError('PTH_INVALID', `${file}: storage data/${key} is missing from the archive`, { file });
    const n = typeof numel === 'number' ? numel : bytes.length / DTYPE_BYTES[dtype];
    if (n * DTYPE_BYTES[dtype] !== bytes.length) {
      throw new PickleError('PTH_INVALID', `${file}: storage data/${key} has ${bytes.length} bytes, ${n} ${dtype} need ${n * DTYPE_BYTES[dtype]}`, { file });
    }
    const storage: TorchStorage = { dtype, key, bytes };
    storages.set(key, storage);
    return storage;
  };
  return unpickle(members.get(pkl)!, { allow, persistentLoad, source: `${file}:${pkl}` });
}

/** A tensor's values in C order as float32 (any float or integer dtype; strides and offsets honoured). */
export function tensorToFloat32(t: TorchTensor): Float32Array {
  const { dtype, bytes } = t.storage;
  const contiguous = t.shape.every((_, i) => t.shape[i] === 1 || t.stride[i] === t.shape.slice(i + 1).reduce((a, x) => a * x, 1));
  if (dtype === 'float32' && contiguous) {
    // the common case (every weight of a real checkpoint): one copy, little-endian as torch.save writes it
    const start = bytes.byteOffset + t.offset * 4;
    return new Float32Array(bytes.buffer.slice(start, start + t.size * 4));
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w = DTYPE_BYTES[dtype];
  const read: (i: number) => number = {
    float32: (i: number) => view.readFloatLE(i * w),
    float64: (i: number) => view.readDoubleLE(i * w),
    float16: (i: number) => half(view.readUInt16LE(i * w)),
    bfloat16: (i: number) => bf16(view.readUInt16LE(i * w)),
    int64: (i: number) => Number(view.readBigInt64LE(i * w)),
    int32: (i: number) => view.readInt32LE(i * w),
    int16: (i: number) => view.readInt16LE(i * w),
    int8: (i: number) => view.readInt8(i * w),
    uint8: (i: number) => view[i],
    bool: (i: number) => view[i],
  }[dtype];
  const out = new Float32Array(t.size);
  const dims = t.shape.length;
  const idx = new Array<number>(dims).fill(0);
  let src = t.offset;
  for (let o = 0; o < out.length; o++) {
    out[o] = read(src);
    for (let d = dims - 1; d >= 0; d--) {
      idx[d]++;
      src += t.stride[d];
      if (idx[d] < t.shape[d]) break;
      src -= t.stride[d] * t.shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));
function bf16(bits: number): number {
  bf16Scratch.setUint32(0, bits << 16);
  return bf16Scratch.getFloat32(0);
}
