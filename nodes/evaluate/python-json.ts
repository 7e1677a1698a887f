// nnU-Net writes its JSON with Python's json.dump(sort_keys=True, indent=4): NaN as a bare token, floats in repr.

/** A number Python holds as float: written with a decimal point or exponent even when integral (120.0). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyJson = string | number | boolean | null | PyFloat | PyJson[] | { [key: string]: PyJson };

/** Python's float repr: shortest round-trip digits, exponent form below 1e-4 or from 1e16 on. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [mant, exp] = x.toExponential().split('e');
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${mant}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

function sortKeysPy(keys: string[]): string[] {
  // Python compares str by code point; JS default sort compares UTF-16 units (same for the keys we write).
  return [...keys].sort();
}

/** json.dumps(value, sort_keys=True, indent=4) */
export function toPythonJson(value: PyJson, indent = 4, level = 0): string {
  const pad = ' '.repeat(indent * (level + 1));
  const end = ' '.repeat(indent * level);
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => pad + toPythonJson(v, indent, level + 1)).join(',\n')}\n${end}]`;
  }
  const keys = sortKeysPy(Object.keys(value));
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${pad}${JSON.stringify(k)}: ${toPythonJson(value[k], indent, level + 1)}`).join(',\n')}\n${end}}`;
}

/** JSON.parse that also accepts Python's bare NaN / Infinity tokens (outside strings). */
export function parsePythonJson(text: string): unknown {
  const replaced = text.replace(/("(?:[^"\\]|\\.)*")|\b(-?Infinity|NaN)\b/g, (m, str: string | undefined, tok: string | undefined) =>
    str !== undefined ? m : `{"__pyfloat__":"${tok}"}`);
  return JSON.parse(replaced, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '__pyfloat__' in v) return Number((v as { __pyfloat__: string }).__pyfloat__);
    return v;
  });
}
