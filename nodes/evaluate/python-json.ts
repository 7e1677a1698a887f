// Reading JSON that Python's json.dump wrote: NaN / Infinity appear as bare tokens (summary.json with empty labels).

/** JSON.parse that also accepts Python's bare NaN / Infinity tokens (outside strings). */
export function parsePythonJson(text: string): unknown {
  const replaced = text.replace(/("(?:[^"\\]|\\.)*")|(-?Infinity|NaN)\b/g, (m, str: string | undefined, tok: string | undefined) =>
    str !== undefined ? m : `{"__pyfloat__":"${tok}"}`);
  return JSON.parse(replaced, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '__pyfloat__' in v) return Number((v as { __pyfloat__: string }).__pyfloat__);
    return v;
  });
}
