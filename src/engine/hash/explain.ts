import type { Json } from '../types.js';
import { canonicalJson } from './canonical-json.js';
import type { KeyParts } from './action-key.js';
import type { Tree } from './tree.js';

/** Why an action is not cached: a value, so `status` can print it and tests can assert it. */
export type StaleReason =
  | { kind: 'new' }
  | { kind: 'kind'; was: string; now: string }
  | { kind: 'version'; was: string; now: string }
  | { kind: 'param'; path: string; was?: Json; now?: Json }
  | { kind: 'input'; name: string; change: 'added' | 'removed' | 'changed'; action: string; was?: string; now?: string }
  | { kind: 'item'; id: string; was?: string; now: string }
  | { kind: 'external'; path: string; change: 'added' | 'removed' | 'changed'; was?: string; now?: string; files?: FileChange[] }
  | { kind: 'upstream'; name: string; actions: string[] }
  | { kind: 'output-missing'; digest: string }
  /** the output is in the store but its bytes changed since it was committed (files: which) */
  | { kind: 'damaged'; digest: string; files: string[] }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'unexplained' };

export interface FileChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
}

/** Which files differ between two manifests of one folder (so `status` names the edited case file). */
export function diffTrees(was: Tree, now: Tree): FileChange[] {
  const a = new Map(was.files.map((f) => [f.path, f.digest]));
  const b = new Map(now.files.map((f) => [f.path, f.digest]));
  const out: FileChange[] = [];
  for (const [path, d] of b) {
    if (!a.has(path)) out.push({ path, change: 'added' });
    else if (a.get(path) !== d) out.push({ path, change: 'changed' });
  }
  for (const path of a.keys()) if (!b.has(path)) out.push({ path, change: 'removed' });
  return out.sort((x, y) => (x.path < y.path ? -1 : 1));
}

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/** Leaf-level differences between two params values, as JSON-pointer-ish dotted paths. */
export function diffParams(was: Json | undefined, now: Json | undefined, path = ''): StaleReason[] {
  const isObj = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(was) && isObj(now)) {
    const keys = [...new Set([...Object.keys(was), ...Object.keys(now)])].sort();
    return keys.flatMap((k) => diffParams(was[k], now[k], path ? `${path}.${k}` : k));
  }
  if (same(was, now)) return [];
  return [{ kind: 'param', path: path || '(all)', ...(was !== undefined ? { was } : {}), ...(now !== undefined ? { now } : {}) }];
}

/** Compares the key parts of the last committed execution of an action with the parts it has now. */
export function explain(was: KeyParts, now: KeyParts): StaleReason[] {
  const out: StaleReason[] = [];
  if (was.kind !== now.kind) out.push({ kind: 'kind', was: was.kind, now: now.kind });
  if (was.version !== now.version) out.push({ kind: 'version', was: was.version, now: now.version });
  out.push(...diffParams(was.params, now.params));
  for (const name of [...new Set([...Object.keys(was.inputs), ...Object.keys(now.inputs)])].sort()) {
    const a = new Map(was.inputs[name] ?? []);
    const b = new Map(now.inputs[name] ?? []);
    for (const [action, d] of b) {
      if (!a.has(action)) out.push({ kind: 'input', name, change: 'added', action, now: d });
      else if (a.get(action) !== d) out.push({ kind: 'input', name, change: 'changed', action, was: a.get(action), now: d });
    }
    for (const [action, d] of a) if (!b.has(action)) out.push({ kind: 'input', name, change: 'removed', action, was: d });
  }
  if (now.item && (!was.item || was.item.digest !== now.item.digest || was.item.id !== now.item.id)) {
    out.push({ kind: 'item', id: now.item.id, ...(was.item ? { was: was.item.digest } : {}), now: now.item.digest });
  }
  for (const path of [...new Set([...Object.keys(was.external), ...Object.keys(now.external)])].sort()) {
    const a = was.external[path];
    const b = now.external[path];
    if (a === b) continue;
    out.push({ kind: 'external', path, change: a === undefined ? 'added' : b === undefined ? 'removed' : 'changed', ...(a ? { was: a } : {}), ...(b ? { now: b } : {}) });
  }
  return out.length ? out : [{ kind: 'unexplained' }];
}

const short = (d?: string): string => (d ? d.slice(0, 10) : '-');
const show = (v: unknown): string => (v === undefined ? '(unset)' : JSON.stringify(v));

export function describeReason(r: StaleReason): string {
  switch (r.kind) {
    case 'new': return 'never run';
    case 'kind': return `kind changed ${r.was} -> ${r.now}`;
    case 'version': return `kind version changed ${r.was} -> ${r.now}`;
    case 'param': return `param ${r.path} changed ${show(r.was)} -> ${show(r.now)}`;
    case 'input': return r.change === 'changed' ? `input ${r.name} from ${r.action} changed ${short(r.was)} -> ${short(r.now)}`
      : `input ${r.name} ${r.change}: ${r.action}`;
    case 'item': return r.was ? `item ${r.id} changed ${short(r.was)} -> ${short(r.now)}` : `item ${r.id} is new`;
    case 'external': {
      if (r.files?.length) {
        const shown = r.files.slice(0, 5).map((f) => `${f.path} ${f.change}`).join(', ');
        return `in ${r.path}: ${shown}${r.files.length > 5 ? ` and ${r.files.length - 5} more` : ''}`;
      }
      return `${r.path} ${r.change}${r.change === 'changed' ? ` ${short(r.was)} -> ${short(r.now)}` : ''}`;
    }
    case 'upstream': return `upstream not up to date: ${r.actions.slice(0, 3).join(', ')}${r.actions.length > 3 ? ` and ${r.actions.length - 3} more` : ''}`
      + ' (runs only if their outputs change)';
    case 'output-missing': return `output ${short(r.digest)} is missing from the store`;
    case 'damaged': return `output ${short(r.digest)} is damaged in the store (${r.files.slice(0, 3).join(', ')}${r.files.length > 3 ? ` and ${r.files.length - 3} more` : ''} changed)`;
    case 'error': return `cannot be prepared: ${r.message} [${r.code}]`;
    case 'unexplained': return 'no earlier execution with comparable inputs';
  }
}
