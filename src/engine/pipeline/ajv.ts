import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { DocPath } from './load.js';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

/** One ajv for pipelines and node params: all errors, defaults applied, `format: path` known. */
export const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
addFormats(ajv);
ajv.addFormat('path', true);

const compiled = new WeakMap<object, ValidateFunction>();

export function compile(schema: AnySchema): ValidateFunction {
  if (typeof schema === 'boolean') return ajv.compile(schema);
  let v = compiled.get(schema);
  if (!v) {
    // Two kinds may share a schema carrying an $id (or a kind's own ajv compiled it): the id must not clash.
    const id = (schema as { $id?: unknown }).$id;
    if (typeof id === 'string' && ajv.getSchema(id)) ajv.removeSchema(id);
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

export interface SchemaProblem {
  /** path of the offending value inside the validated object */
  path: DocPath;
  /** true when the problem is the key itself (unknown property) */
  key: boolean;
  message: string;
}

/** 'string or array' / 'integer or "all"' from the branches of a oneOf / anyOf, when each names its type or value. */
function branchTypes(branches: unknown): string | undefined {
  if (!Array.isArray(branches)) return undefined;
  const names = branches.map((b) => {
    const o = (b && typeof b === 'object' ? b : {}) as { type?: unknown; const?: unknown; enum?: unknown[] };
    if ('const' in o) return JSON.stringify(o.const);
    if (Array.isArray(o.enum)) return o.enum.map((v) => JSON.stringify(v)).join(' or ');
    return typeof o.type === 'string' ? o.type : undefined;
  });
  return names.every((t) => t !== undefined) ? names.join(' or ') : undefined;
}

function splitPointer(p: string): string[] {
  return p === '' ? [] : p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * ajv errors as problems in the user's terms. Failed `oneOf` / `anyOf` branches are folded into the one
 * `oneOf` / `anyOf` error, which is the message a user can act on.
 */
export function schemaProblems(errors: ErrorObject[] | null | undefined, describe?: (schemaPath: string) => string | undefined): SchemaProblem[] {
  if (!errors) return [];
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const out: SchemaProblem[] = [];
  for (const e of errors) {
    if (oneOfPaths.some((p) => e.schemaPath.startsWith(p))) continue;
    const path = splitPointer(e.instancePath);
    if (e.keyword === 'additionalProperties') {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      out.push({ path: [...path, prop], key: true, message: `unknown key '${prop}'` });
    } else if (e.keyword === 'required') {
      out.push({ path, key: false, message: `missing required key '${(e.params as { missingProperty: string }).missingProperty}'` });
    } else if (e.keyword === 'oneOf' || e.keyword === 'anyOf') {
      // a branch that failed only on a repeated entry says so: "must be a list of ..." would hide the cause
      const dup = errors.find((b) => b.keyword === 'uniqueItems' && b.schemaPath.startsWith(`${e.schemaPath}/`) && b.instancePath.startsWith(e.instancePath));
      if (dup) {
        const { j } = dup.params as { i: number; j: number };
        out.push({ path: [...splitPointer(dup.instancePath), j], key: false, message: `lists ${JSON.stringify((dup.data as unknown[])[j])} twice` });
        continue;
      }
      const what = describe?.(e.schemaPath.replace(/\/(oneOf|anyOf)$/, '')) ?? branchTypes(e.schema);
      out.push({ path, key: false, message: what ? `must be ${what}` : 'does not match any allowed form' });
    } else if (e.keyword === 'const') {
      out.push({ path, key: false, message: `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}` });
    } else if (e.keyword === 'minProperties' || e.keyword === 'minItems' || e.keyword === 'maxItems') {
      const limit = (e.params as { limit: number }).limit;
      const exactly = (e.parentSchema as { minItems?: number; maxItems?: number } | undefined)?.minItems === (e.parentSchema as { maxItems?: number } | undefined)?.maxItems;
      const bound = exactly ? 'exactly' : e.keyword === 'maxItems' ? 'at most' : 'at least';
      out.push({ path, key: false, message: limit > 1 || e.keyword === 'maxItems' ? `must have ${bound} ${limit} entries` : 'must not be empty' });
    } else if (e.keyword === 'enum') {
      out.push({ path, key: false, message: `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}` });
    } else if (e.keyword === 'propertyNames') {
      continue; // reported by the nested pattern error on the name itself
    } else if (typeof (e.parentSchema as { 'x-message'?: unknown } | undefined)?.['x-message'] === 'string') {
      // a schema may say in words what its pattern means
      out.push({ path, key: false, message: (e.parentSchema as { 'x-message': string })['x-message'] });
    } else {
      const named = e.propertyName !== undefined ? [...path, e.propertyName] : path;
      out.push({ path: named, key: e.propertyName !== undefined, message: e.message ?? 'is invalid' });
    }
  }
  return out;
}
