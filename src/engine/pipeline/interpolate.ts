import type { Json } from '../types.js';
import type { DocPath } from './load.js';

/** Values a `${ns.a.b}` reference can see; a namespace left out is not resolved yet (kept as written). */
export interface Scope {
  params?: Json;
  matrix?: Record<string, Json>;
  item?: Json;
}

export interface RefProblem {
  path: DocPath;
  message: string;
}

// a reference holds no braces: in `${a ${b}` the inner one is the reference and the outer one is unclosed
const REF = /\$\{([^{}]*)\}/g;
const EXACT = /^\$\{([^{}]*)\}$/;
const NAMESPACES = ['params', 'matrix', 'item'] as const;

type Lookup = { found: true; value: Json } | { found: false; message?: string };

function lookup(expr: string, scope: Scope): Lookup {
  const [ns, ...rest] = expr.trim().split('.');
  if (!(NAMESPACES as readonly string[]).includes(ns)) {
    return { found: false, message: `unknown reference '\${${expr}}' (use params., matrix. or item.)` };
  }
  const root = scope[ns as keyof Scope] as Json | undefined;
  if (root === undefined) return { found: false };
  let cur: Json | undefined = root;
  for (const seg of rest) {
    if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && seg in cur) cur = cur[seg];
    else if (Array.isArray(cur) && /^\d+$/.test(seg) && Number(seg) < cur.length) cur = cur[Number(seg)];
    else return { found: false, message: `unknown reference '\${${expr}}'` };
  }
  return { found: true, value: cur as Json };
}

/** True when the value still holds a reference into namespace `ns` (e.g. a per-item param). */
export function mentions(value: Json, ns: keyof Scope): boolean {
  if (typeof value === 'string') return [...value.matchAll(REF)].some((m) => m[1].trim().split('.')[0] === ns);
  if (Array.isArray(value)) return value.some((v) => mentions(v, ns));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => mentions(v, ns));
  return false;
}

/**
 * Replaces `${...}` references whose namespace is in `scope`. A string that is exactly one reference takes
 * the referenced value with its type (a list, a number); inside a longer string the value is stringified.
 */
export function interpolate(value: Json, scope: Scope, at: DocPath, problems: RefProblem[]): Json {
  if (typeof value === 'string') {
    const open = value.replace(REF, '').indexOf('${');
    if (open >= 0) {
      const rest = value.replace(REF, '').slice(open);
      problems.push({ path: at, message: `unclosed reference '${rest.length > 40 ? `${rest.slice(0, 40)}...` : rest}' (missing '}')` });
      return value;
    }
    const exact = EXACT.exec(value);
    if (exact) {
      const r = lookup(exact[1], scope);
      if (r.found) return r.value;
      if (r.message) problems.push({ path: at, message: r.message });
      return value;
    }
    return value.replace(REF, (whole, expr: string) => {
      const r = lookup(expr, scope);
      if (r.found) return typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
      if (r.message) problems.push({ path: at, message: r.message });
      return whole;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, scope, [...at, i], problems));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, scope, [...at, k], problems);
    return out;
  }
  return value;
}
