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
    const old = (cur as Record<string, Json>)[last];
    // a long value is echoed by its start: the user has the rest on their command line
    const shown = raw.length > 80 ? `${raw.slice(0, 60)}... (${raw.length} characters)` : raw;
    let value: Json;
    try {
      value = parseValue(raw);
    } catch (err) {
      const why = /call stack/i.test((err as Error).message) ? 'nested too deeply' : (err as Error).message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      issues.push({ code: 'PIPELINE_BAD_SET', message: `--set ${path}=${shown}: not valid YAML/JSON (${why}); quote it to pass text`, path: `/params/${segs.join('/')}` });
      continue;
    }
    const isMap = (v: Json | undefined): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (isMap(old) && !isMap(value)) {
      const keys = Object.keys(old as object);
      issues.push({ code: 'PIPELINE_BAD_SET', path: `/params/${segs.join('/')}`,
        message: `--set ${path}=${shown}: params.${path} is a map (${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''}); set one of its keys, e.g. --set ${path}.${keys[0] ?? 'key'}=...` });
      continue;
    }
    (cur as Record<string, Json>)[last] = value;
  }
  if (issues.length) throw new PipelineError(issues[0].code, issues[0].message, issues[0], { issues });
  return out;
}

/**
 * `5` -> 5, `[0, 1]` -> list, `true` -> boolean; text YAML would read as something else (`!`, `@x`) stays text.
 * A value that starts like a list, map or quoted string but does not parse (`[0,1`) throws: taking it as text
 * would hide the typo.
 */
export function parseValue(raw: string): Json {
  try {
    const v = parseYamlScalar(raw) as Json | undefined;
    const empty = v === null || v === undefined || v === '';
    if (empty && !['null', '~', '', '""', "''"].includes(raw.trim())) return raw;
    return v ?? null;
  } catch (err) {
    if (/^\s*[[{"']/.test(raw)) throw err;
    return raw;
  }
}
