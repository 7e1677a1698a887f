/**
 * JSON text exactly as Python's json.dump(indent=4) writes it (and reads it back), so our plans and fingerprint files diff clean
 * against nnU-Net's: floats keep their '.0' and Python's exponent style (1e-05), keys optionally sorted.
 * JSON has one number type, so the caller says which paths hold Python floats.
 */
export interface PyJsonOptions {
  /** path of keys/indices (as strings) -> whether the number there is a Python float */
  isFloat(path: readonly string[]): boolean;
  /** objects at these paths get Python's sort_keys order (string order); default insertion order */
  sortKeys?(path: readonly string[]): boolean;
}

/** Python's repr(float): shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const sign = mant.startsWith('-') ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  return `${sign}${int}.${digits.slice(exp + 1) || '0'}`;
}

/** A JSON string with json.dump's ensure_ascii escaping. */
const pyString = (s: string): string =>
  JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function pyJsonStringify(value: unknown, opts: PyJsonOptions, indent = 4): string {
  const write = (v: unknown, path: string[], depth: number): string => {
    const pad = ' '.repeat(indent * (depth + 1));
    const close = ' '.repeat(indent * depth);
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return opts.isFloat(path) ? pyFloat(v) : Number.isInteger(v) ? String(v) : pyFloat(v);
    if (typeof v === 'string') return pyString(v);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((e, i) => pad + write(e, [...path, String(i)], depth + 1)).join(',\n')}\n${close}]`;
    }
    let keys = Object.keys(v as object).filter((key) => (v as Record<string, unknown>)[key] !== undefined);
    if (keys.length === 0) return '{}';
    if (opts.sortKeys?.(path)) keys = [...keys].sort();
    return `{\n${keys.map((key) => `${pad}${pyString(key)}: ${write((v as Record<string, unknown>)[key], [...path, key], depth + 1)}`).join(',\n')}\n${close}}`;
  };
  return write(value, [], 0);
}

/**
 * JSON.parse that also accepts the bare NaN / Infinity tokens Python's json.dump writes (summary.json of an empty
 * label, a channel without foreground). They become numbers, or null where a JSON-schema check follows (ajv's
 * `number` rejects NaN).
 */
export function parsePythonJson(text: string, opts: { nonFinite?: 'number' | 'null' } = {}): unknown {
  const asNull = opts.nonFinite === 'null';
  const replaced = text.replace(/("(?:[^"\\]|\\.)*")|(-?\bInfinity|\bNaN)\b/g, (m, str: string | undefined, tok: string) =>
    str !== undefined ? m : asNull ? 'null' : `{"__pyfloat__":"${tok}"}`);
  return JSON.parse(replaced, asNull ? undefined : (_k, v: unknown) =>
    (v && typeof v === 'object' && '__pyfloat__' in v ? Number((v as { __pyfloat__: string }).__pyfloat__) : v));
}
