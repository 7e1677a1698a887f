/**
 * Where a JSON.parse error points, as 1-based line and column, so a broken dataset.json or plans file is
 * reported like a YAML error: file:line:col. V8 says "... at position N" (or nothing, for unexpected end).
 */
export function jsonErrorPosition(text: string, err: unknown): { line: number; column: number } {
  const m = /position (\d+)/.exec((err as Error)?.message ?? '');
  const pos = m ? Math.min(Number(m[1]), text.length) : text.length;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, column: pos - before.lastIndexOf('\n') };
}
