import { isAbsolute, relative, resolve } from 'node:path';
import type { AnySchema } from 'ajv';
import type { Json, NodeKind } from '../types.js';
import { compile, schemaProblems, type SchemaProblem } from './ajv.js';

type SchemaObject = { [k: string]: unknown };

const strictSchemas = new WeakMap<object, AnySchema>();

/** A kind's schema with unknown top-level keys rejected unless the kind explicitly allows them. */
function strictSchema(kind: NodeKind): AnySchema {
  const s = kind.params;
  if (typeof s !== 'object' || s === null) return s;
  let out = strictSchemas.get(s);
  if (!out) {
    const o = s as SchemaObject;
    out = o.properties && o.additionalProperties === undefined ? { ...o, additionalProperties: false } : s;
    strictSchemas.set(s, out);
  }
  return out;
}

/**
 * Folders a pipeline file's paths may name: its own folder, and what the user named explicitly (--allow-path,
 * NNUNET_ALLOW_PATHS, a path given with --set). A pipeline from elsewhere cannot make an action read
 * `../../..` or `/home/you` into the store on its own.
 */
export interface PathPolicy {
  readonly roots: readonly string[];
}

export function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Resolves every string whose schema says `format: path` against `baseDir` (before hashing). */
function resolvePaths(schema: unknown, value: Json, baseDir: string, policy: PathPolicy | undefined, at: Array<string | number>,
  problems: SchemaProblem[]): Json {
  if (schema === null || typeof schema !== 'object') return value;
  const s = schema as SchemaObject;
  if (typeof value === 'string') {
    if (s.format !== 'path') return value;
    const abs = resolve(baseDir, value);
    if (policy && !policy.roots.some((r) => inside(r, abs))) {
      problems.push({ path: at, key: false, message: `path ${JSON.stringify(value)} is outside the pipeline's folder ${baseDir}; `
        + 'pass it with --set, or allow its folder with --allow-path <dir> (or NNUNET_ALLOW_PATHS)' });
    }
    // normalized: `/data/ds/` and `/data/x/../ds` name the folder `/data/ds` does, and key as it does
    return abs;
  }
  if (Array.isArray(value) && s.items) return value.map((v, i) => resolvePaths(s.items, v, baseDir, policy, [...at, i], problems));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const props = (s.properties ?? {}) as Record<string, unknown>;
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolvePaths(props[k] ?? s.additionalProperties, v, baseDir, policy, [...at, k], problems);
    return out;
  }
  return value;
}

/** The value at a key path inside JSON, or undefined where the path leaves it. */
export function valueAt(value: Json, path: readonly (string | number)[]): Json | undefined {
  let v: Json | undefined = value;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, Json>)[k as string] : undefined;
  return v;
}

/** Validates `with:` against the kind's params schema, applies defaults and resolves (and confines) path params. */
export function checkKindParams(kind: NodeKind, value: Json, baseDir: string, policy?: PathPolicy): { params: Json; problems: SchemaProblem[] } {
  const copy = structuredClone(value ?? {}) as Json;
  const validate = compile(strictSchema(kind));
  if (!validate(copy)) {
    // the offending value itself, so `--set train.epochs=abc` reads 'must be integer, got "abc"'
    const problems = schemaProblems(validate.errors).map((p) => {
      const got = p.key ? undefined : valueAt(value ?? {}, p.path);
      // a scalar only: an object here is the parent of a missing key, and could be large
      return got === undefined || (got !== null && typeof got === 'object') ? p : { ...p, message: `${p.message}, got ${JSON.stringify(got)}` };
    });
    return { params: copy, problems };
  }
  const problems: SchemaProblem[] = [];
  const params = resolvePaths(kind.params, copy, baseDir, policy, [], problems);
  return { params, problems };
}
