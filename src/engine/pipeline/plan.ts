import { readFileSync } from 'node:fs';
import { delimiter, dirname, resolve } from 'node:path';
import { PipelineError, type Issue } from '../errors.js';
import type { Json, KindRegistry, NodeKind, Scalar } from '../types.js';
import { compile, schemaProblems } from './ajv.js';
import { closure, findCycle, topoOrder } from './graph.js';
import { interpolate, mentions, type RefProblem } from './interpolate.js';
import { checkKindParams, valueAt, type PathPolicy } from './kind-params.js';
import { loadPipelineText, parseYaml, type DocPath, type LoadedYaml } from './load.js';
import { applyOverrides } from './overrides.js';
import type { ExecutorConfig, JobResources } from '../exec/executor.js';

const pipelineSchema = JSON.parse(readFileSync(new URL('../../../schemas/pipeline.schema.json', import.meta.url), 'utf8')) as object;

export interface NeedRef {
  /** name the action sees its inputs under; several NeedRefs may share one (the input gathers all their actions) */
  readonly input: string;
  /** upstream pipeline node */
  readonly node: string;
}

/** `needs` as written: a list (input name = node name), or a map input -> node or -> list of nodes. */
export type RawNeeds = string[] | Record<string, string | string[]>;

/** Every (input, node) pair of a node's `needs`, with the YAML path of the entry that names the node. */
export function needRefs(raw: RawNeeds | undefined): Array<NeedRef & { at: Array<string | number> }> {
  if (Array.isArray(raw)) return raw.map((n, i) => ({ input: n, node: n, at: [i] }));
  return Object.entries(raw ?? {}).flatMap(([input, node]) => (Array.isArray(node)
    ? node.map((n, j) => ({ input, node: n, at: [input, j] }))
    : [{ input, node, at: [input] }]));
}

/** A pipeline node after validation, with params interpolated; matrix and item references remain. */
export interface PlannedNode {
  readonly name: string;
  readonly uses: string;
  readonly kind: NodeKind;
  readonly needs: readonly NeedRef[];
  /** input name whose producer's items this node fans out over */
  readonly foreach?: string;
  readonly matrixKeys: readonly string[];
  readonly combos: ReadonlyArray<Record<string, Scalar>>;
  readonly template: Json;
  /** what one action asks a cluster for (`resources:`); not part of any action key */
  readonly resources?: JobResources;
}

export interface Plan {
  readonly yaml: LoadedYaml;
  readonly file?: string;
  /** base for relative paths: the pipeline file's folder, else the working directory */
  readonly dir: string;
  readonly name: string;
  readonly params: Record<string, Json>;
  readonly nodes: ReadonlyMap<string, PlannedNode>;
  /** node names in dependency order, restricted to the targets' closure */
  readonly order: readonly string[];
  /** `executor:` of the pipeline file, if any */
  readonly executor?: ExecutorConfig;
  /** where path params may point; undefined for pipeline text the program built itself from the user's arguments */
  readonly paths?: PathPolicy;
}

interface RawNode {
  uses: string;
  needs?: RawNeeds;
  foreach?: string;
  matrix?: Record<string, Json> | string;
  with?: Record<string, Json>;
  resources?: JobResources;
}

export interface PlanOptions {
  pipelineFile?: string;
  pipelineText?: string;
  kinds: KindRegistry;
  set?: Record<string, string>;
  targets?: string[];
  /** folders a pipeline file's path params may name besides its own (see PathPolicy) */
  allowPaths?: string[];
}

/** Every string inside the values given with --set: the user typed them, so a path among them is explicit. */
function setStrings(params: Record<string, Json>, set: Record<string, string>): string[] {
  const out: string[] = [];
  const walk = (v: Json | undefined): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const key of Object.keys(set)) walk(valueAt(params, key.split('.')));
  return out;
}

/** The pipeline's folder plus what the user allowed; none for text the program wrote from the user's own arguments. */
function pathPolicy(opts: PlanOptions, dir: string, params: Record<string, Json>): PathPolicy | undefined {
  if (opts.pipelineFile === undefined) return undefined;
  const env = (process.env.NNUNET_ALLOW_PATHS ?? '').split(delimiter).filter(Boolean);
  const given = setStrings(params, opts.set ?? {}).map((v) => resolve(dir, v));
  return { roots: [dir, ...[...(opts.allowPaths ?? []), ...env].map((p) => resolve(p)), ...given] };
}

function fail(issues: Issue[]): never {
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  const codes = new Set(issues.map((i) => i.code));
  const code = codes.size === 1 ? issues[0].code : 'PIPELINE_INVALID';
  const msg = issues.length === 1 ? issues[0].message : `${issues.length} problems in the pipeline`;
  throw new PipelineError(code, msg, issues.length === 1 ? issues[0] : { file: issues[0].file }, { issues });
}

/**
 * Where a bad param value came from, when the YAML only references it: ' (from params.train.epochs, given with
 * --set)'. The error's line:column points at the reference, which alone does not show the value's origin.
 */
function paramSource(raw: Json, path: readonly (string | number)[], set: Record<string, string> | undefined): string {
  const v = valueAt(raw, path);
  const ref = typeof v === 'string' ? /^\$\{params\.([\w.-]+)\}$/.exec(v.trim())?.[1] : undefined;
  if (!ref) return '';
  return ` (from params.${ref}${set && ref in set ? ', given with --set' : ''})`;
}

/**
 * Actions one node's matrix may expand to: each combination is validated and later becomes an action, so a
 * product in the millions would take minutes and gigabytes before anything ran. Raise with NNUNET_MAX_MATRIX.
 */
export const DEFAULT_MAX_MATRIX = 10_000;

export function maxMatrix(): number {
  const raw = process.env.NNUNET_MAX_MATRIX;
  if (raw === undefined || raw === '') return DEFAULT_MAX_MATRIX;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new PipelineError('CLI_BAD_ENV', `NNUNET_MAX_MATRIX must be a positive integer, got '${raw}'`);
  return n;
}

function product(keys: readonly string[], values: ReadonlyArray<readonly Scalar[]>): Array<Record<string, Scalar>> {
  let out: Array<Record<string, Scalar>> = [{}];
  keys.forEach((k, i) => {
    out = out.flatMap((c) => values[i].map((v) => ({ ...c, [k]: v })));
  });
  return out;
}

/** A --set problem belongs to the pipeline it was given for: its issues name the file. */
function withFile<T>(file: string | undefined, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof PipelineError) || !file) throw err;
    const issues = err.issues.map((i) => ({ file, ...i }));
    throw new PipelineError(err.code, err.message, { file, ...err.context }, { issues });
  }
}

/** Parses, validates and interpolates a pipeline, collecting every problem before throwing. */
export async function buildPlan(opts: PlanOptions): Promise<Plan> {
  const { file, text } = await loadPipelineText(opts);
  const yaml = parseYaml(text, file);
  const issues: Issue[] = [];
  const issue = (code: string, path: DocPath, message: string, key = false, node?: string): void => {
    issues.push({ code, message, ...yaml.locate(path, key), ...(node ? { node } : {}) });
  };

  if (yaml.data === null || typeof yaml.data !== 'object' || Array.isArray(yaml.data)) {
    issue('PIPELINE_SCHEMA', [], `${yaml.data === null || yaml.data === undefined ? 'the file is empty' : 'the file is not a map'}: a pipeline is a map with 'version: 1' and 'nodes'`);
    fail(issues);
  }
  const validate = compile(pipelineSchema);
  if (!validate(yaml.data)) {
    for (const p of schemaProblems(validate.errors, (sp) => (sp.endsWith('/needs') ? 'a list of node names or a map input -> node (or list of nodes)'
      : sp.endsWith('/matrix') ? 'a map of key -> list of values' : undefined))) {
      issue('PIPELINE_SCHEMA', p.path, p.message, p.key);
    }
    fail(issues);
  }
  const doc = yaml.data as { name?: string; params?: Record<string, Json>; nodes: Record<string, RawNode>; executor?: ExecutorConfig };
  const params = withFile(file, () => applyOverrides(doc.params ?? {}, opts.set ?? {}));
  const dir = file ? dirname(resolve(file)) : process.cwd();
  const refProblems: RefProblem[] = [];
  const nodes = new Map<string, PlannedNode>();
  const limit = maxMatrix();
  const paths = pathPolicy(opts, dir, params);

  for (const [name, raw] of Object.entries(doc.nodes)) {
    const at: DocPath = ['nodes', name];
    const kind = opts.kinds[raw.uses];
    if (!kind) {
      const known = Object.keys(opts.kinds).sort().join(', ') || '(none registered)';
      issue('PIPELINE_UNKNOWN_KIND', [...at, 'uses'], `node '${name}' uses unknown kind '${raw.uses}' (known: ${known})`, false, name);
      continue;
    }
    const refs = needRefs(raw.needs);
    for (const n of refs) {
      if (!(n.node in doc.nodes)) issue('PIPELINE_UNKNOWN_NEED', [...at, 'needs', ...n.at], `node '${name}' needs unknown node '${n.node}'`, false, name);
    }
    const needs: NeedRef[] = refs.map(({ input, node }) => ({ input, node }));
    let foreach = raw.foreach;
    if (foreach !== undefined && !needs.some((n) => n.input === foreach)) {
      issue('PIPELINE_UNKNOWN_FOREACH', [...at, 'foreach'], `node '${name}' fans out over '${foreach}', which is not one of its needs`, false, name);
      foreach = undefined;
    } else if (foreach === undefined && kind.foreach !== undefined) {
      if (needs.some((n) => n.input === kind.foreach)) foreach = kind.foreach;
      else issue('PIPELINE_FOREACH_NEED_MISSING', [...at, 'needs'], `kind '${kind.kind}' fans out over a need named '${kind.foreach}'; node '${name}' has none`, false, name);
    }
    if (kind.inputs) {
      const accepted = Object.keys(kind.inputs);
      for (const n of refs) {
        if (accepted.includes(n.input)) continue;
        const hint = n.input === n.node ? `; to feed node '${n.node}' into one of them write needs: { <input>: ${n.node} }` : '';
        issue('PIPELINE_UNKNOWN_INPUT', [...at, 'needs', ...n.at], `node '${name}': kind '${kind.kind}' has no input '${n.input}' (it reads ${accepted.join(', ')})${hint}`, false, name);
      }
      for (const [input, spec] of Object.entries(kind.inputs)) {
        if (spec.required && !needs.some((n) => n.input === input)) {
          issue('PIPELINE_MISSING_INPUT', [...at, raw.needs === undefined ? 'uses' : 'needs'], `node '${name}': kind '${kind.kind}' needs input '${input}' (${spec.description})`, false, name);
        }
      }
    }
    const sources = needs.filter((n) => n.input === foreach).length;
    if (foreach !== undefined && sources > 1) {
      // the items come from one producer; an input gathered from several nodes has no single item list
      issue('PIPELINE_FOREACH_MULTIPLE', [...at, raw.foreach !== undefined ? 'foreach' : 'needs'],
        `node '${name}' fans out over '${foreach}', which gathers ${sources} nodes (need exactly one)`, false, name);
      foreach = undefined;
    }

    const matrixRaw = interpolate((raw.matrix ?? {}) as Json, { params }, [...at, 'matrix'], refProblems);
    const matrixKeys: string[] = [];
    const matrixValues: Scalar[][] = [];
    if (matrixRaw === null || typeof matrixRaw !== 'object' || Array.isArray(matrixRaw)) {
      issue('PIPELINE_MATRIX_VALUE', [...at, 'matrix'], `matrix of '${name}' must be a map of key -> list`, false, name);
    } else {
      for (const [k, v] of Object.entries(matrixRaw)) {
        const list = Array.isArray(v) ? v : [];
        if (!Array.isArray(v)) issue('PIPELINE_MATRIX_VALUE', [...at, 'matrix', k], `matrix '${name}.${k}' must be a list`, false, name);
        else if (list.length === 0) issue('PIPELINE_EMPTY_MATRIX', [...at, 'matrix', k], `matrix '${name}.${k}' is empty: node '${name}' would have no actions`, false, name);
        else if (list.some((x) => x === null || typeof x === 'object')) issue('PIPELINE_MATRIX_VALUE', [...at, 'matrix', k], `matrix '${name}.${k}' values must be strings, numbers or booleans`, false, name);
        else {
          // two equal values would make two actions with one id
          const twice = list.findIndex((x, i) => list.indexOf(x) !== i);
          if (twice >= 0) issue('PIPELINE_MATRIX_VALUE', [...at, 'matrix', k, twice], `matrix '${name}.${k}' lists ${JSON.stringify(list[twice])} twice`, false, name);
        }
        matrixKeys.push(k);
        matrixValues.push(list as Scalar[]);
      }
    }
    const template = interpolate((raw.with ?? {}) as Json, { params }, [...at, 'with'], refProblems);
    // the count first, from the list sizes: expanding to find out is what must not happen
    const count = matrixValues.reduce((n, l) => n * Math.max(1, l.length), 1);
    if (count > limit) {
      issue('PIPELINE_MATRIX_TOO_LARGE', [...at, 'matrix'], `matrix of '${name}' expands to ${count.toLocaleString('en-US')} actions `
        + `(${matrixKeys.map((k, i) => `${k}: ${matrixValues[i].length}`).join(' x ')}), over the limit of ${limit.toLocaleString('en-US')} (raise it with NNUNET_MAX_MATRIX)`, false, name);
      continue;
    }
    const combos = product(matrixKeys, matrixValues);
    if (!foreach && mentions(template, 'item')) {
      issue('PIPELINE_UNKNOWN_REF', [...at, 'with'], `node '${name}' uses \${item...} but does not fan out over items (add foreach)`, false, name);
    }
    // Params that do not depend on the item are fully known now: validate every matrix combination up front.
    for (const combo of combos) {
      const local: RefProblem[] = [];
      const value = interpolate(template, { params, matrix: combo }, [...at, 'with'], local);
      refProblems.push(...local);
      if (local.length > 0 || mentions(value, 'item')) continue;
      for (const p of checkKindParams(kind, value, dir, paths).problems) {
        issue('PIPELINE_PARAMS', [...at, 'with', ...p.path], `${name}: ${p.message}${paramSource(raw.with as Json, p.path, opts.set)}`, p.key, name);
      }
    }
    nodes.set(name, { name, uses: raw.uses, kind, needs, foreach, matrixKeys, combos, template, ...(raw.resources ? { resources: raw.resources } : {}) });
  }
  const seenRef = new Set<string>();
  for (const p of refProblems) {
    const k = `${p.path.join('/')}|${p.message}`;
    if (!seenRef.has(k)) issue('PIPELINE_UNKNOWN_REF', p.path, p.message);
    seenRef.add(k);
  }
  dedupeParamIssues(issues);

  const deps = new Map(Object.entries(doc.nodes).map(([n, r]) => [n,
    [...new Set(needRefs(r.needs).map((d) => d.node))].filter((d) => d in doc.nodes)]));
  const cycle = findCycle(deps);
  if (cycle) issue('PIPELINE_CYCLE', ['nodes', cycle[0], 'needs'], `cycle between nodes: ${cycle.join(' -> ')}`, false, cycle[0]);
  const targets = opts.targets ?? [];
  for (const t of targets) {
    if (!(t in doc.nodes)) issues.push({ code: 'PIPELINE_UNKNOWN_TARGET', message: `no node named '${t}' in the pipeline`, file });
  }
  if (issues.length) fail(issues);
  const keep = targets.length ? closure(deps, targets) : undefined;
  const order = topoOrder(deps).filter((n) => !keep || keep.has(n));
  return { yaml, file, dir, name: doc.name ?? 'pipeline', params, nodes, order, ...(doc.executor ? { executor: doc.executor } : {}), ...(paths ? { paths } : {}) };
}

/** The same schema problem repeats for every matrix combination; report it once. */
function dedupeParamIssues(issues: Issue[]): void {
  const seen = new Set<string>();
  for (let i = 0; i < issues.length; i++) {
    const k = `${issues[i].code}|${issues[i].path}|${issues[i].message}`;
    if (seen.has(k)) issues.splice(i--, 1);
    seen.add(k);
  }
}
