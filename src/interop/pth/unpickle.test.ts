import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { NnunetError } from '../../engine/errors.js';
import { unzipBuffer, zipBuffer } from '../../nn/predict/zip.js';
import { zipBomb } from '../../../test/interop/zip-bomb.js';
import { CHECKPOINT_GLOBALS, loadPth } from './torch-load.js';
import { unpickle } from './unpickle.js';
import { parseNnunetCheckpoint } from './nnunet-checkpoint.js';
import { PyTuple, toPlain, TorchTensor, type PyValue } from './values.js';

const allow = CHECKPOINT_GLOBALS;
const load = (bytes: Buffer) => unpickle(bytes, { allow, source: 'x.pkl' });
const op = (s: string) => Buffer.from(s, 'latin1');
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const fixture = readFileSync(new URL('../../../test/interop/fixtures/plain2d.pth', import.meta.url));

/** a small seeded generator: the fuzz cases are the same on every run */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('restricted unpickler', () => {
  it('refuses code: os.system, builtins.eval, torch.storage._load_from_bytes, naming module.name, before anything runs', () => {
    // the classic payloads: GLOBAL posix system + REDUCE, and protocol 4's STACK_GLOBAL
    expect(() => load(op("\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R."))).toThrow(/posix\.system/);
    expect(() => load(op('\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x011\x85R.'))).toThrow(/builtins\.eval/);
    expect(() => load(op('\x80\x02ctorch.storage\n_load_from_bytes\nC\x01x\x85R.'))).toThrow(/torch\.storage\._load_from_bytes/);
    expect(() => load(op('\x80\x02c__builtin__\ngetattr\n.'))).toThrow(expect.objectContaining({ code: 'PICKLE_FORBIDDEN_GLOBAL' }));
    // an allowed name that is only data cannot be called
    expect(() => load(op('\x80\x02ctorch\nFloatStorage\n)R.'))).toThrow(expect.objectContaining({ code: 'PICKLE_FORBIDDEN_CALL' }));
    // INST / OBJ build arbitrary classes: not supported at all
    expect(() => load(op('(iposix\nsystem\n.'))).toThrow(/INST/);
    expect(() => load(op('\x80\x02(cposix\nsystem\no.'))).toThrow(/posix\.system/);
  });

  it('reads plain data of every protocol', () => {
    // pickle.dumps({'a': [1, 2.5, None, True], 'b': (b'xy', -3, 2**70)}, protocol=2) and protocol 0 text forms
    const p2 = op('\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02(K\x01G@\x04\x00\x00\x00\x00\x00\x00N\x88eX\x01\x00\x00\x00bq\x03C\x02xyq\x04J\xfd\xff\xff\xff\x8a\t\x00\x00\x00\x00\x00\x00\x00\x00@\x87q\x05u.');
    const v = load(p2) as Map<string, unknown>;
    expect(v.get('a')).toEqual([1, 2.5, null, true]);
    const b = v.get('b') as PyTuple;
    expect(Buffer.from(b.items[0] as Uint8Array).toString()).toBe('xy');
    expect(b.items.slice(1)).toEqual([-3, 2n ** 70n]);
    expect(load(op('(lp0\nI1\naF2.5\naL7L\na.'))).toEqual([1, 2.5, 7]);
  });

  it('rejects hostile lengths, memo tricks and stack abuse without allocating or hanging', () => {
    expect(() => load(Buffer.concat([op('\x80\x02X'), u32(0xffffffff), op('abc.')]))).toThrow(expect.objectContaining({ code: 'PICKLE_TRUNCATED' }));
    expect(() => load(op('\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x0fab.'))).toThrow(expect.objectContaining({ code: 'PICKLE_TRUNCATED' }));
    expect(() => load(op('\x80\x02h\x05.'))).toThrow(/memo 5/);
    expect(() => load(op('\x80\x02r\xff\xff\xff\xffN.'))).toThrow(expect.objectContaining({ code: 'PICKLE_INVALID' }));
    expect(() => load(op('\x80\x02a.'))).toThrow(/underflow/);
    expect(() => load(op('\x80\x02(N(Nu.'))).toThrow(NnunetError);
    expect(() => load(op('\x80\x02NN.'))).toThrow(/left on the stack/);
    expect(() => load(op('\x80\x02I99999999999999999999999999999999999999999999999999\n.'))).not.toThrow();
  });

  it('deep nesting, cycles and shared-reference bombs are refused where the data is used', () => {
    const n = 5000;
    const deep = Buffer.concat([op('\x80\x02'), Buffer.alloc(n, ']'), Buffer.alloc(n - 1, 'a'), op('.')]);
    expect(() => toPlain(load(deep), 'deep')).toThrow(expect.objectContaining({ code: 'PICKLE_TOO_DEEP' }));
    // l = []; l.append(l)
    expect(() => toPlain(load(op('\x80\x02]q\x00h\x00a.')), 'cycle')).toThrow(expect.objectContaining({ code: 'PICKLE_TOO_DEEP' }));
    // each level a list of the previous one twice: 2^40 leaves from 200 bytes
    let bomb = '\x80\x02]q\x000';
    for (let i = 1; i <= 40; i++) bomb += `h${String.fromCharCode(i - 1)}h${String.fromCharCode(i - 1)}\x86q${String.fromCharCode(i)}${i < 40 ? '0' : ''}`;
    const t0 = Date.now();
    expect(() => toPlain(load(op(`${bomb}.`)), 'bomb')).toThrow(expect.objectContaining({ code: 'PICKLE_TOO_LARGE' }));
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('every truncation and hundreds of bit flips of a real checkpoint end in a clear error or a value', () => {
    const members = unzipBuffer(fixture, 'f.pth');
    const pkl = members.get('plain2d/data.pkl')!;
    for (let cut = 0; cut < pkl.length; cut += 13) {
      expect(() => load(pkl.subarray(0, cut)), `cut ${cut}`).toThrow(NnunetError);
    }
    const next = rng(15);
    let errors = 0;
    for (let i = 0; i < 400; i++) {
      const bad = Buffer.from(pkl);
      for (let k = 0; k < 1 + Math.floor(next() * 3); k++) bad[Math.floor(next() * bad.length)] ^= 1 << Math.floor(next() * 8);
      const archive = zipBuffer([...members].map(([name, data]) => ({ name, data: name.endsWith('data.pkl') ? bad : data })), 'f.pth');
      try {
        loadPth(archive, 'f.pth');
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(NnunetError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(20);
  });
});

describe('.pth archives', () => {
  it('truncated and bit-flipped archives are clear errors', () => {
    for (let cut = 0; cut < fixture.length; cut += 997) expect(() => loadPth(fixture.subarray(0, cut), 'f.pth')).toThrow(NnunetError);
    const next = rng(4);
    for (let i = 0; i < 300; i++) {
      const bad = Buffer.from(fixture);
      bad[bad.length - 1 - Math.floor(next() * 4000)] ^= 1 << Math.floor(next() * 8); // the central directory and the end
      try {
        loadPth(bad, 'f.pth');
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(NnunetError);
      }
    }
  });

  it('reads zip64 archives (sizes, offsets and the end record in zip64 fields; Python zipfile forced to write them)', () => {
    const m = unzipBuffer(readFileSync(new URL('../../../test/interop/fixtures/zip64.zip', import.meta.url)), 'zip64.zip');
    expect(m.get('a/data.txt')!.toString()).toBe('hello zip64 '.repeat(10));
    expect([...m.get('a/stored.bin')!]).toEqual(Array.from({ length: 15 }, (_, i) => i % 3));
  });

  it('refuses a deflate bomb, a storage outside its data, a tensor past its storage and the legacy format', () => {
    const bomb = zipBuffer([{ name: 'a/data.pkl', data: Buffer.from('x') }], 'b.zip');
    // method 8 with a declared size of 3 GiB
    const c = bomb.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bomb.writeUInt16LE(8, c + 10);
    bomb.writeUInt32LE(3 * 1024 ** 3, c + 24);
    expect(() => unzipBuffer(bomb, 'b.zip')).toThrow(/declare more than/);
    expect(() => loadPth(bomb, 'b.pth')).toThrow(/would inflate 1 bytes to 3221225472, over 200 times/);
    // a real one, under that cap: 64 MiB of zeros from 64 KiB
    expect(() => loadPth(zipBomb('a/data/0', 64 * 2 ** 20), 'r.pth')).toThrow(/over 200 times: refusing what looks like a zip bomb/);
    // a tensor claiming 1000 elements of a 6-element storage
    const pkl = op('\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x06tQK\x00M\xe8\x03\x85K\x01\x85\x89NtR.');
    const archive = (data: Buffer) => zipBuffer([{ name: 'a/data.pkl', data: pkl }, { name: 'a/data/0', data }], 'a.pth');
    expect(() => loadPth(archive(Buffer.alloc(24)), 'a.pth')).toThrow(/reaches element 999/);
    expect(() => loadPth(archive(Buffer.alloc(8)), 'a.pth')).toThrow(/has 8 bytes/);
    expect(() => loadPth(op('\x80\x02\x8a\x0a'), 'old.pth')).toThrow(expect.objectContaining({ code: 'PTH_LEGACY_FORMAT' }));
  });

  it('a checkpoint weight larger than its storage (stride 0, any shape) is refused before a value is made', () => {
    const storage = { dtype: 'float32' as const, key: '0', bytes: Buffer.alloc(4) };
    const huge = new TorchTensor(storage, 0, [1e5, 1e5, 1e5, 1, 1], [0, 0, 0, 0, 0]);
    const root = new Map([['network_weights', new Map([['encoder.stages.0.0.convs.0.conv.weight', huge]])]]);
    expect(() => parseNnunetCheckpoint(root as unknown as PyValue, 'c.pth')).toThrow(/\(1000000000000000 values\) over a storage of 1: not a network weight/);
  });
});
