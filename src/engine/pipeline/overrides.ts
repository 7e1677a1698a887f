import { parse as parseYamlScalar } from 'yaml';
import { PipelineError, type Issue } from '../errors.js';
import type { Json } from '../types.js';

/**
 * Applies `--set a.b=value` to the params block. Values are YAML scalars (`5` is a number, `[0,1]` a list).
 * Only existing params can be set, so a typo (`train.epoch`) is an error rather than a silent no-op.
 */
export function applyOverrides(params: Record<string, Json>, set: Record<string, string>): Record<string, Json> {
  const out = structuredClone(params);
  const issues: Issue[] = [];
  for (const [path, raw] of Object.entries(set)) {
    const segs = path.split('.');
    let cur: Json = out;
    let ok = true;
    for (let i = 0; i < segs.length - 1 && ok; i++) {
      const next: Json | undefined = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? cur[segs[i]] : undefined;
      if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) ok = false;
      else cur = next;
    }
    const last = segs[segs.length - 1];
    if (!ok || cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(last in cur)) {
      issues.push({ code: 'PIPELINE_UNKNOWN_PARAM', message: `--set ${path}: no such param in the params block`, path: `/params/${segs.join('/')}` });
      continue;
    }
    (cur as Record<string, Json>)[last] = parseValue(raw);
  }
  if (issues.length) throw new PipelineError(issues[0].code, issues[0].message, issues[0], { issues });
  return out;
}

/** `5` -> 5, `[0, 1]` -> list, `true` -> boolean; text YAML would read as something else (`!`, `@x`) stays text. */
export function parseValue(raw: string): Json {
  try {
    const v = parseYamlScalar(raw) as Json | undefined;
    const empty = v === null || v === undefined || v === '';
    if (empty && !['null', '~', '', '""', "''"].includes(raw.trim())) return raw;
    return v ?? null;
  } catch {
    return raw;
  }
}
