/**
 * The writing side of torch.save: a protocol-2 pickle (what torch.save writes by default) of plain data and
 * float32 tensors, zipped as `<archive>/data.pkl` + `<archive>/data/<key>` + `<archive>/version`, members aligned
 * to 64 bytes as PyTorch's writer does. It references only globals on our reader's allow-list.
 */
import { writeFile } from 'node:fs/promises';
import { zipBuffer } from '../../nn/predict/zip.js';
import { PickleError, PyGlobal, PyObject, PyOrderedDict, PyTuple, type PyKey, type PyValue } from './values.js';

/** A float32 tensor to write (C order). Tensors given the same `data` array share one storage. */
export class Float32Tensor {
  constructor(readonly data: Float32Array, readonly shape: number[]) {}
}

export type SaveValue = PyValue | Float32Tensor | SaveValue[] | { [key: string]: SaveValue } | Map<PyKey, SaveValue>;

const OP = {
  PROTO: 0x80, STOP: 0x2e, MARK: 0x28, NONE: 0x4e, TRUE: 0x88, FALSE: 0x89, BININT: 0x4a, LONG1: 0x8a,
  BINFLOAT: 0x47, BINUNICODE: 0x58, EMPTY_DICT: 0x7d, SETITEMS: 0x75, EMPTY_LIST: 0x5d, APPENDS: 0x65,
  EMPTY_TUPLE: 0x29, TUPLE: 0x74, GLOBAL: 0x63, REDUCE: 0x52, BINPERSID: 0x51,
} as const;

class Out {
  private chunks: Buffer[] = [];
  op(code: number): void {
    this.chunks.push(Buffer.from([code]));
  }
  raw(b: Buffer): void {
    this.chunks.push(b);
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export interface TorchSaveResult {
  pickle: Buffer;
  storages: Float32Array[];
}

/** The pickle and the storages it references (storage key = index). */
export function pickleForTorch(value: SaveValue): TorchSaveResult {
  const out = new Out();
  const storages: Float32Array[] = [];
  const storageKey = new Map<Float32Array, number>();
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    out.op(OP.BINUNICODE);
    out.raw(len);
    out.raw(b);
  };
  const global = (module: string, name: string) => {
    out.op(OP.GLOBAL);
    out.raw(Buffer.from(`${module}\n${name}\n`, 'utf8'));
  };
  const int = (v: number | bigint) => {
    const n = BigInt(v);
    if (n >= -(2n ** 31n) && n < 2n ** 31n) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(Number(n));
      out.op(OP.BININT);
      out.raw(b);
      return;
    }
    const bytes: number[] = [];
    let x = n;
    do {
      bytes.push(Number(x & 0xffn));
      x >>= 8n;
    } while (!(x === 0n && (bytes[bytes.length - 1] & 0x80) === 0) && !(x === -1n && (bytes[bytes.length - 1] & 0x80) !== 0));
    out.op(OP.LONG1);
    out.raw(Buffer.from([bytes.length, ...bytes]));
  };
  const tuple = (items: SaveValue[]) => {
    if (items.length === 0) return out.op(OP.EMPTY_TUPLE);
    out.op(OP.MARK);
    items.forEach(write);
    out.op(OP.TUPLE);
  };
  const dict = (entries: [PyKey, SaveValue][], ordered: boolean) => {
    if (ordered) {
      global('collections', 'OrderedDict');
      out.op(OP.EMPTY_TUPLE);
      out.op(OP.REDUCE);
    } else out.op(OP.EMPTY_DICT);
    if (entries.length === 0) return;
    out.op(OP.MARK);
    for (const [k, v] of entries) {
      write(k);
      write(v);
    }
    out.op(OP.SETITEMS);
  };
  function write(v: SaveValue): void {
    if (v === null || v === undefined) return out.op(OP.NONE);
    if (v === true) return out.op(OP.TRUE);
    if (v === false) return out.op(OP.FALSE);
    if (typeof v === 'bigint') return int(v);
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) return int(v);
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v);
      out.op(OP.BINFLOAT);
      return out.raw(b);
    }
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) {
      out.op(OP.EMPTY_LIST);
      if (v.length === 0) return;
      out.op(OP.MARK);
      v.forEach(write);
      return out.op(OP.APPENDS);
    }
    if (v instanceof PyTuple) return tuple(v.items);
    if (v instanceof Map) return dict([...v.entries()], v instanceof PyOrderedDict);
    if (v instanceof PyGlobal) return global(v.module, v.name);
    if (v instanceof PyObject) {
      const dot = v.cls.lastIndexOf('.');
      global(v.cls.slice(0, dot), v.cls.slice(dot + 1));
      tuple(v.args);
      return out.op(OP.REDUCE);
    }
    if (v instanceof Float32Tensor) {
      let key = storageKey.get(v.data);
      if (key === undefined) {
        key = storages.length;
        storages.push(v.data);
        storageKey.set(v.data, key);
      }
      const size = v.shape.reduce((a, b) => a * b, 1);
      if (size !== v.data.length) throw new PickleError('PTH_WRITE', `tensor of shape [${v.shape}] given ${v.data.length} values`);
      const stride = v.shape.map((_, i) => v.shape.slice(i + 1).reduce((a, b) => a * b, 1));
      global('torch._utils', '_rebuild_tensor_v2');
      out.op(OP.MARK);
      tuple(['storage', new PyGlobal('torch', 'FloatStorage'), String(key), 'cpu', v.data.length]);
      out.op(OP.BINPERSID);
      int(0);
      tuple(v.shape);
      tuple(stride);
      write(false);
      dict([], true);
      out.op(OP.TUPLE);
      return out.op(OP.REDUCE);
    }
    if (typeof v === 'object' && v.constructor === Object) return dict(Object.entries(v), false);
    throw new PickleError('PTH_WRITE', `cannot pickle a ${(v as object).constructor?.name ?? typeof v}`);
  }
  out.op(OP.PROTO);
  out.raw(Buffer.from([2]));
  write(value);
  out.op(OP.STOP);
  return { pickle: out.bytes(), storages };
}

/** torch.save(value, file) for plain data and float32 tensors. */
export function torchSaveBuffer(value: SaveValue, file: string, archive = 'archive'): Buffer {
  const { pickle, storages } = pickleForTorch(value);
  const le = (a: Float32Array) => {
    const b = Buffer.alloc(a.length * 4);
    for (let i = 0; i < a.length; i++) b.writeFloatLE(a[i], i * 4);
    return b;
  };
  return zipBuffer([
    { name: `${archive}/data.pkl`, data: pickle },
    { name: `${archive}/byteorder`, data: Buffer.from('little') },
    ...storages.map((s, i) => ({ name: `${archive}/data/${i}`, data: le(s) })),
    { name: `${archive}/version`, data: Buffer.from('3\n') },
  ], file, { align: 64 });
}

export async function torchSave(value: SaveValue, file: string, archive?: string): Promise<void> {
  await writeFile(file, torchSaveBuffer(value, file, archive));
}
