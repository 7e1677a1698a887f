/**
 * A restricted unpickler: Python's pickle machine (protocols 0-5) for data only. A global resolves only through
 * the caller's allow-list, where each allowed name is either kept as a symbol or built by a small pure
 * TypeScript function; anything else is an error naming `module.name`. Nothing is ever executed.
 *
 * Bounded by construction: every opcode consumes input, lengths are checked against the bytes left before
 * anything is allocated, memo indices go to a Map (no sparse arrays), so time and memory stay linear in the
 * file size. Deep nesting and shared references are bounded where values are used (toPlain).
 */
import {
  NpArray, NpDtype, PickleError, PyGlobal, PyOrderedDict, PyTuple, type PyKey, type PyValue,
} from './values.js';

/** 'symbol': the name may appear as a value; a function: calling the name (REDUCE/NEWOBJ) builds its value. */
export type GlobalRule = 'symbol' | ((args: PyValue[], name: string) => PyValue);
export type AllowList = Readonly<Record<string, GlobalRule>>;

export interface UnpickleOptions {
  allow: AllowList;
  /** BINPERSID: torch.save's storage references */
  persistentLoad?: (pid: PyValue) => PyValue;
  /** the file, for messages */
  source: string;
}

class Callable {
  constructor(readonly qualified: string, readonly rule: GlobalRule) {}
}

const OP_NAMES: Record<number, string> = { 0x69: 'INST', 0x6f: 'OBJ', 0x50: 'PERSID', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER' };

export function unpickle(data: Uint8Array, opts: UnpickleOptions): PyValue {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const fail = (code: string, msg: string) => new PickleError(code, `${opts.source}: ${msg}`, { file: opts.source });
  let pos = 0;
  const stack: (PyValue | Callable)[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue | Callable>();

  const take = (n: number): Buffer => {
    if (!(Number.isSafeInteger(n) && n >= 0 && pos + n <= buf.length)) {
      throw fail('PICKLE_TRUNCATED', `needs ${n} bytes at offset ${pos}, ${buf.length - pos} left`);
    }
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const u8 = () => take(1)[0];
  const u16 = () => take(2).readUInt16LE(0);
  const u32 = () => take(4).readUInt32LE(0);
  const u64 = () => {
    const v = take(8).readBigUInt64LE(0);
    if (v > BigInt(buf.length)) throw fail('PICKLE_TRUNCATED', `length ${v} at offset ${pos - 8} exceeds the file`);
    return Number(v);
  };
  const line = (): string => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) throw fail('PICKLE_TRUNCATED', `unterminated line at offset ${pos}`);
    const s = buf.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || (marks.length > 0 && stack.length < marks[marks.length - 1])) {
      throw fail('PICKLE_INVALID', `stack underflow at offset ${pos - 1}`);
    }
    if (v instanceof Callable) throw fail('PICKLE_INVALID', `${v.qualified} used as a value`);
    return v;
  };
  const top = (): PyValue => {
    const v = pop();
    stack.push(v);
    return v;
  };
  const popMark = (): PyValue[] => {
    const at = marks.pop();
    if (at === undefined) throw fail('PICKLE_INVALID', `no MARK before offset ${pos - 1}`);
    const items = stack.splice(at);
    for (const v of items) if (v instanceof Callable) throw fail('PICKLE_INVALID', `a global used as a value at offset ${pos - 1}`);
    return items as PyValue[];
  };
  const key = (k: PyValue): PyKey => {
    if (k === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof k)) return k as PyKey;
    if (k instanceof PyTuple) return JSON.stringify(k.items.map((x) => (typeof x === 'bigint' ? Number(x) : x)));
    throw fail('PICKLE_UNSUPPORTED', `dict key of type ${k.constructor.name}`);
  };
  const setItems = (d: PyValue, items: PyValue[]) => {
    if (!(d instanceof Map)) throw fail('PICKLE_INVALID', `SETITEMS on a ${typeName(d)}`);
    if (items.length % 2) throw fail('PICKLE_INVALID', 'odd number of dict items');
    for (let i = 0; i < items.length; i += 2) d.set(key(items[i]), items[i + 1]);
  };
  const appendItems = (l: PyValue, items: PyValue[]) => {
    if (!Array.isArray(l)) throw fail('PICKLE_INVALID', `APPENDS on a ${typeName(l)}`);
    for (const v of items) l.push(v);
  };
  const global = (module: string, name: string) => {
    const qualified = `${module}.${name}`;
    const rule = opts.allow[qualified];
    if (!rule || !Object.hasOwn(opts.allow, qualified)) {
      throw fail('PICKLE_FORBIDDEN_GLOBAL', `refers to ${qualified}, which a model file has no reason to hold (not on the allow-list; nothing was executed)`);
    }
    stack.push(rule === 'symbol' ? new PyGlobal(module, name) : new Callable(qualified, rule));
  };
  const call = (args: PyValue) => {
    const f = stack.pop();
    if (!(f instanceof Callable)) {
      throw fail('PICKLE_FORBIDDEN_CALL', `calls ${f instanceof PyGlobal ? f.qualified : typeName(f as PyValue)}, which may only appear as data`);
    }
    if (!(args instanceof PyTuple)) throw fail('PICKLE_INVALID', `${f.qualified} called with a ${typeName(args)} instead of a tuple`);
    try {
      stack.push((f.rule as Exclude<GlobalRule, 'symbol'>)(args.items, f.qualified));
    } catch (e) {
      if (e instanceof PickleError) throw e;
      throw fail('PICKLE_INVALID', `${f.qualified}${'(...)'}: ${(e as Error).message}`);
    }
  };
  const build = (obj: PyValue, state: PyValue) => {
    if (obj instanceof NpArray) return buildArray(obj, state, fail);
    if (obj instanceof NpDtype) {
      const s = state instanceof PyTuple ? state.items : [];
      if (typeof s[1] === 'string') obj.order = s[1];
      return;
    }
    // an OrderedDict's instance attributes (a state_dict's `_metadata`: module versions), not its items
    if (obj instanceof Map && (state instanceof Map || state === null)) return;
    throw fail('PICKLE_UNSUPPORTED', `BUILD (setstate) on a ${typeName(obj)}`);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) throw fail('PICKLE_UNSUPPORTED', `pickle protocol ${v}`);
        break;
      }
      case 0x95: u64(); break; // FRAME: framing is transparent to a reader of the whole buffer
      case 0x2e: { // STOP
        const v = pop();
        if (stack.length || marks.length) throw fail('PICKLE_INVALID', 'values left on the stack at STOP');
        return v;
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: stack.push(take(4).readInt32LE(0)); break; // BININT
      case 0x8a: stack.push(long(take(u8()))); break; // LONG1
      case 0x8b: stack.push(long(take(u32()))); break; // LONG4
      case 0x47: stack.push(take(8).readDoubleBE(0)); break; // BINFLOAT
      case 0x49: { // INT (text; "I01"/"I00" are bools)
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : parseIntText(s, fail));
        break;
      }
      case 0x4c: stack.push(parseIntText(line().replace(/L$/, ''), fail)); break; // LONG (text)
      case 0x46: { // FLOAT (text)
        const s = line();
        const v = Number(s);
        if (Number.isNaN(v) && !/^-?nan$/i.test(s)) throw fail('PICKLE_INVALID', `bad float ${JSON.stringify(s.slice(0, 40))}`);
        stack.push(v);
        break;
      }
      case 0x8c: stack.push(take(u8()).toString('utf8')); break; // SHORT_BINUNICODE
      case 0x58: stack.push(take(u32()).toString('utf8')); break; // BINUNICODE
      case 0x8d: stack.push(take(u64()).toString('utf8')); break; // BINUNICODE8
      case 0x55: stack.push(take(u8()).toString('latin1')); break; // SHORT_BINSTRING (py2 str)
      case 0x54: stack.push(take(u32()).toString('latin1')); break; // BINSTRING
      case 0x43: stack.push(new Uint8Array(take(u8()))); break; // SHORT_BINBYTES
      case 0x42: stack.push(new Uint8Array(take(u32()))); break; // BINBYTES
      case 0x8e: stack.push(new Uint8Array(take(u64()))); break; // BINBYTES8
      case 0x96: stack.push(new Uint8Array(take(u64()))); break; // BYTEARRAY8
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x8f: stack.push([]); break; // EMPTY_SET (a list: sets only matter as data here)
      case 0x64: { // DICT
        const d = new Map<PyKey, PyValue>();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x6c: { const items = popMark(); stack.push(items); break; } // LIST
      case 0x74: { const items = popMark(); stack.push(new PyTuple(items)); break; } // TUPLE
      case 0x91: { const items = popMark(); stack.push(items); break; } // FROZENSET
      case 0x85: stack.push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PyTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PyTuple([a, b, c])); break; } // TUPLE3
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x90: { const items = popMark(); appendItems(top(), items); break; } // ADDITEMS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x63: { const module = line(); global(module, line()); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw fail('PICKLE_INVALID', 'STACK_GLOBAL needs two strings');
        global(module, name);
        break;
      }
      case 0x52: call(pop()); break; // REDUCE
      case 0x81: call(pop()); break; // NEWOBJ: cls.__new__(cls, *args) is the same construction for allowed classes
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        if (!(kwargs instanceof Map) || kwargs.size > 0) throw fail('PICKLE_UNSUPPORTED', 'NEWOBJ_EX with keyword arguments');
        call(pop());
        break;
      }
      case 0x62: { const state = pop(); build(top(), state); break; } // BUILD
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) throw fail('PICKLE_UNSUPPORTED', 'persistent references outside a torch archive');
        stack.push(opts.persistentLoad(pid));
        break;
      }
      case 0x71: memo.set(u8(), topAny()); break; // BINPUT
      case 0x72: memo.set(u32(), topAny()); break; // LONG_BINPUT
      case 0x70: memo.set(parseIntText(line(), fail) as number, topAny()); break; // PUT
      case 0x94: memo.set(memo.size, topAny()); break; // MEMOIZE
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x67: stack.push(memoGet(parseIntText(line(), fail) as number)); break; // GET
      default:
        throw fail('PICKLE_UNSUPPORTED', `opcode ${OP_NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`} at offset ${pos - 1} is not supported in model files`);
    }
  }

  function topAny(): PyValue | Callable {
    const v = stack[stack.length - 1];
    if (v === undefined) throw fail('PICKLE_INVALID', `memo store of an empty stack at offset ${pos - 1}`);
    return v;
  }
  function memoGet(i: number): PyValue {
    const v = memo.get(i);
    if (v === undefined) throw fail('PICKLE_INVALID', `memo ${i} read before it was written (offset ${pos - 1})`);
    return v as PyValue;
  }
}

function typeName(v: PyValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  return typeof v === 'object' ? v.constructor.name : typeof v;
}

/** two's complement little-endian, as LONG1/LONG4 store it */
function long(b: Buffer): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseIntText(s: string, fail: (c: string, m: string) => Error): number | bigint {
  if (!/^[-+]?\d{1,400}$/.test(s)) throw fail('PICKLE_INVALID', `bad integer ${JSON.stringify(s.slice(0, 40))}`);
  const v = BigInt(s);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** ndarray.__setstate__((version, shape, dtype, is_fortran, rawdata)) */
function buildArray(a: NpArray, state: PyValue, fail: (c: string, m: string) => Error): void {
  const s = state instanceof PyTuple ? state.items : [];
  const [shape, dtype, fortran, raw] = s.length === 5 ? s.slice(1) : s;
  if (!(shape instanceof PyTuple) || !(dtype instanceof NpDtype)) throw fail('PICKLE_INVALID', 'numpy array state without shape and dtype');
  const dims = shape.items.map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw fail('PICKLE_INVALID', 'numpy array with a bad shape');
  if (!(raw instanceof Uint8Array)) throw fail('PICKLE_UNSUPPORTED', `numpy array of dtype ${dtype.code} (object arrays hold code references)`);
  const count = dims.reduce((x, y) => x * y, 1);
  const item = Number(/\d+$/.exec(dtype.code)?.[0] ?? (dtype.code === '?' ? 1 : NaN));
  if (count * item !== raw.length) throw fail('PICKLE_INVALID', `numpy array of shape [${dims}] ${dtype.code} has ${raw.length} bytes`);
  a.shape = dims;
  a.dtype = dtype;
  a.fortran = fortran === true;
  a.data = raw;
}

/** Constructors every allow-list may share: plain containers and numpy's pickled forms. */
export const NUMPY_GLOBALS: AllowList = (() => {
  const reconstruct: GlobalRule = () => new NpArray();
  const scalar: GlobalRule = ([dtype, raw]) => {
    if (!(dtype instanceof NpDtype) || !(raw instanceof Uint8Array)) throw new Error('expects (dtype, bytes)');
    return npScalar(dtype, raw);
  };
  const dtype: GlobalRule = ([code]) => {
    if (typeof code !== 'string' || !/^[<>|=]?([fiub?]\d{0,2}|bool)$/.test(code)) throw new Error(`unsupported dtype ${String(code)}`);
    return new NpDtype(code.replace(/^[<>|=]/, ''));
  };
  const out: Record<string, GlobalRule> = { 'numpy.dtype': dtype, 'numpy.ndarray': 'symbol' };
  for (const core of ['numpy.core', 'numpy._core']) {
    out[`${core}.multiarray._reconstruct`] = reconstruct;
    out[`${core}.multiarray.scalar`] = scalar;
  }
  return out;
})();

export const CONTAINER_GLOBALS: AllowList = {
  'collections.OrderedDict': ([items]) => {
    const d = new PyOrderedDict();
    if (Array.isArray(items)) {
      for (const kv of items) if (kv instanceof PyTuple && kv.items.length === 2) d.set(kv.items[0] as PyKey, kv.items[1]);
    }
    return d;
  },
  // protocol 2 pickles bytes as _codecs.encode(text, 'latin1'): a pure conversion
  '_codecs.encode': ([text, enc]) => {
    if (typeof text !== 'string' || !/^latin-?1$/i.test(String(enc))) throw new Error('only latin1 text');
    return new Uint8Array(Buffer.from(text, 'latin1'));
  },
};

function npScalar(dtype: NpDtype, raw: Uint8Array): PyValue {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const need = (n: number) => {
    if (b.length !== n) throw new Error(`a ${dtype.code} scalar needs ${n} bytes, got ${b.length}`);
  };
  switch (dtype.code) {
    case 'f8': need(8); return b.readDoubleLE(0);
    case 'f4': need(4); return b.readFloatLE(0);
    case 'i8': need(8); return long(b);
    case 'i4': need(4); return b.readInt32LE(0);
    case 'i2': need(2); return b.readInt16LE(0);
    case 'i1': need(1); return b.readInt8(0);
    case 'u1': need(1); return b[0];
    case 'u2': need(2); return b.readUInt16LE(0);
    case 'u4': need(4); return b.readUInt32LE(0);
    case 'b1': case '?': case 'bool': need(1); return b[0] !== 0;
    default: throw new Error(`unsupported scalar dtype ${dtype.code}`);
  }
}
