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

/** Deeper than this is no nnU-Net file; Python's json stops near 1000, and every later recursive walk stays far below the stack. */
export const MAX_JSON_DEPTH = 512;

/**
 * The text with the bare NaN / -Infinity / Infinity tokens outside strings replaced, found in one linear pass
 * (a regular expression over the strings backtracks and overflows on a long string), and nesting beyond
 * MAX_JSON_DEPTH refused as a SyntaxError "at position N" so callers report it as file:line:col.
 */
function replaceNonFinite(text: string, replacement: (token: string) => string): { text: string; replaced: boolean } {
  const parts: string[] = [];
  let from = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > MAX_JSON_DEPTH) throw new SyntaxError(`nested deeper than ${MAX_JSON_DEPTH} levels at position ${i}`);
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    } else if (c === 0x4e /* N */ || c === 0x49 /* I */ || c === 0x2d /* - */) {
      const token = text.startsWith('NaN', i) ? 'NaN' : text.startsWith('Infinity', i) ? 'Infinity'
        : text.startsWith('-Infinity', i) ? '-Infinity' : undefined;
      if (token && !/[\w$]/.test(text[i - 1] ?? ' ') && !/[\w$]/.test(text[i + token.length] ?? ' ')) {
        parts.push(text.slice(from, i), replacement(token));
        i += token.length - 1;
        from = i + 1;
      }
    }
  }
  return parts.length === 0 ? { text, replaced: false } : { text: parts.join('') + text.slice(from), replaced: true };
}

/**
 * JSON.parse that also accepts the bare NaN / Infinity tokens Python's json.dump writes (summary.json of an empty
 * label, a channel without foreground). They become numbers, or null where a JSON-schema check follows (ajv's
 * `number` rejects NaN). Nesting deeper than MAX_JSON_DEPTH is refused as a SyntaxError.
 */
export function parsePythonJson(text: string, opts: { nonFinite?: 'number' | 'null' } = {}): unknown {
  const asNull = opts.nonFinite === 'null';
  const scanned = replaceNonFinite(text, (tok) => (asNull ? 'null' : `{"__pyfloat__":"${tok}"}`));
  // a reviver walks the whole tree: only when there is something to revive
  return JSON.parse(scanned.text, asNull || !scanned.replaced ? undefined : (_k, v: unknown) =>
    (v && typeof v === 'object' && '__pyfloat__' in v ? Number((v as { __pyfloat__: string }).__pyfloat__) : v));
}
