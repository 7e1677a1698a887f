/**
 * The Python values a restricted pickle can hold, as plain TypeScript data. Nothing here refers to code: a
 * global is a name, an object built by an allowed callable is a record of what it was called with.
 */
import { NnunetError } from '../../engine/errors.js';

export class PickleError extends NnunetError {}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** collections.OrderedDict: a dict that torch.save writes (and nnU-Net reads back) as an OrderedDict */
export class PyOrderedDict extends Map<PyKey, PyValue> {}

/** A module-level name that the pickle refers to without calling it (a storage type, a function kept as data). */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object of an allowed class that is kept as its constructor arguments (torch.device('cuda')). */
export class PyObject {
  constructor(readonly cls: string, readonly args: PyValue[]) {}
}

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const DTYPE_BYTES: Record<TorchDtype, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** One typed storage of a .pth (`data/<key>` in the archive). */
export interface TorchStorage {
  dtype: TorchDtype;
  key: string;
  bytes: Uint8Array;
}

/** torch._utils._rebuild_tensor_v2's arguments: a strided view into a storage. */
export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

/** numpy's dtype as pickled: its type string ('f8', 'i8', ...) and, after BUILD, its byte order. */
export class NpDtype {
  order = '<';
  constructor(readonly code: string) {}
}

/** A numpy array (after BUILD): C-order little-endian data of `dtype`. */
export class NpArray {
  shape: number[] = [];
  dtype: NpDtype | null = null;
  fortran = false;
  data: Uint8Array = new Uint8Array(0);
}

export type PyKey = string | number | bigint | boolean | null;
export type PyValue =
  | null | boolean | number | bigint | string | Uint8Array
  | PyValue[] | PyTuple | Map<PyKey, PyValue> | PyGlobal | PyObject | TorchTensor | TorchStorage | NpDtype | NpArray;

export function isDict(v: PyValue | undefined): v is Map<PyKey, PyValue> {
  return v instanceof Map;
}

/** A dict's string-keyed entry (the common case for checkpoints), or undefined. */
export function field(v: PyValue | undefined, key: string): PyValue | undefined {
  return isDict(v) ? v.get(key) : undefined;
}

const MAX_PLAIN_NODES = 1_000_000;
const MAX_PLAIN_DEPTH = 200;

/**
 * JSON-like data from a pickled value (plans and dataset.json inside init_args, postprocessing kwargs). Bounded:
 * a pickle can share one list many times or make a cycle, which would otherwise explode or never end here.
 */
export function toPlain(v: PyValue, what: string): unknown {
  let nodes = 0;
  const walk = (x: PyValue, depth: number): unknown => {
    if (++nodes > MAX_PLAIN_NODES) throw new PickleError('PICKLE_TOO_LARGE', `${what}: more than ${MAX_PLAIN_NODES} values`);
    if (depth > MAX_PLAIN_DEPTH) throw new PickleError('PICKLE_TOO_DEEP', `${what}: nested deeper than ${MAX_PLAIN_DEPTH}`);
    if (x === null || typeof x === 'boolean' || typeof x === 'number' || typeof x === 'string') return x;
    if (typeof x === 'bigint') return Number(x);
    if (Array.isArray(x)) return x.map((y) => walk(y, depth + 1));
    if (x instanceof PyTuple) return x.items.map((y) => walk(y, depth + 1));
    if (x instanceof Map) {
      const o: Record<string, unknown> = {};
      for (const [k, y] of x) o[String(k)] = walk(y, depth + 1);
      return o;
    }
    if (x instanceof PyGlobal) return x.qualified;
    if (x instanceof PyObject) return { [x.cls]: x.args.map((y) => walk(y, depth + 1)) };
    throw new PickleError('PICKLE_UNEXPECTED', `${what}: holds a ${x.constructor.name} where plain data was expected`);
  };
  return walk(v, 0);
}
