import { isAbsolute, resolve } from 'node:path';
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

/** Resolves every string whose schema says `format: path` against `baseDir` (before hashing). */
function resolvePaths(schema: unknown, value: Json, baseDir: string): Json {
  if (schema === null || typeof schema !== 'object') return value;
  const s = schema as SchemaObject;
  if (typeof value === 'string') {
    return s.format === 'path' && !isAbsolute(value) ? resolve(baseDir, value) : value;
  }
  if (Array.isArray(value) && s.items) return value.map((v) => resolvePaths(s.items, v, baseDir));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const props = (s.properties ?? {}) as Record<string, unknown>;
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolvePaths(props[k] ?? s.additionalProperties, v, baseDir);
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

/** Validates `with:` against the kind's params schema, applies defaults and resolves path params. */
export function checkKindParams(kind: NodeKind, value: Json, baseDir: string): { params: Json; problems: SchemaProblem[] } {
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
  return { params: resolvePaths(kind.params, copy, baseDir), problems: [] };
}
