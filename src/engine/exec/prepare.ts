import { dirname, resolve } from 'node:path';
import { NnunetError, PipelineError, type Issue } from '../errors.js';
import { actionKey, type KeyParts } from '../hash/action-key.js';
import type { Digest } from '../hash/digest.js';
import type { Store } from '../store/store.js';
import type { Json } from '../types.js';
import { interpolate, type RefProblem } from '../pipeline/interpolate.js';
import { checkKindParams } from '../pipeline/kind-params.js';
import type { Plan } from '../pipeline/plan.js';
import type { ActionSpec } from './expand.js';

export interface PreparedAction {
  readonly spec: ActionSpec;
  readonly params: Json;
  readonly external: Record<string, Digest>;
  readonly parts: KeyParts;
  readonly key: Digest;
}

/** Digests external paths once per run, however many actions declare them. */
export class ExternalDigests {
  private readonly memo = new Map<string, Promise<Digest>>();
  constructor(private readonly store: Store) {}
  get(path: string): Promise<Digest> {
    let d = this.memo.get(path);
    if (!d) {
      // A folder's manifest is kept so `status` can say which file in it changed.
      d = this.store.statCache.digestPath(path, (digest, text) => this.store.writeTreeIfMissing(digest, text));
      this.memo.set(path, d);
    }
    return d;
  }
}

/** Final params of an action (matrix and item filled in, defaults applied, paths resolved). */
export function resolveParams(plan: Plan, spec: ActionSpec): Json {
  const { node } = spec;
  const at = ['nodes', node.name, 'with'];
  const refs: RefProblem[] = [];
  const item = spec.item ? ({ id: spec.item.id, digest: spec.item.digest, data: spec.item.data ?? null } as Json) : undefined;
  const value = interpolate(node.template, { params: plan.params, matrix: spec.matrix, item }, at, refs);
  const issues: Issue[] = refs.map((r) => ({ code: 'PIPELINE_UNKNOWN_REF', message: r.message, ...plan.yaml.locate(r.path), node: spec.id }));
  const checked = checkKindParams(node.kind, value, plan.dir, plan.paths);
  for (const p of checked.problems) {
    issues.push({ code: 'PIPELINE_PARAMS', message: `${spec.id}: ${p.message}`, ...plan.yaml.locate([...at, ...p.path], p.key), node: spec.id });
  }
  if (issues.length) throw new PipelineError(issues[0].code, issues[0].message, issues[0], { issues });
  return checked.params;
}

export async function prepareAction(plan: Plan, spec: ActionSpec, externals: ExternalDigests): Promise<PreparedAction> {
  const { node } = spec;
  const params = resolveParams(plan, spec);
  const external: Record<string, Digest> = {};
  for (const p of node.kind.externalInputs?.(params as never) ?? []) {
    try {
      external[p] = await externals.get(p);
    } catch (err) {
      // `--set dataset=../x` from another folder than the pipeline's: say where relative paths start
      if (err instanceof NnunetError && err.code === 'EXTERNAL_INPUT_MISSING' && plan.file) {
        throw new NnunetError(err.code, `${err.message} (relative paths in a pipeline and in its --set values are taken from the pipeline file's folder, ${dirname(resolve(plan.file))})`, err.context, { cause: err });
      }
      throw err;
    }
  }
  const inputs: Record<string, Array<[string, Digest]>> = {};
  for (const [name, list] of Object.entries(spec.inputs)) {
    if (name === node.foreach && spec.item) continue; // the item's digest stands in for its producer's output
    inputs[name] = list.map((o) => [o.id, o.output as Digest]);
  }
  const parts: KeyParts = {
    kind: node.kind.kind,
    version: node.kind.version,
    params,
    inputs,
    ...(spec.item ? { item: { id: spec.item.id, digest: spec.item.digest } } : {}),
    external,
  };
  return { spec, params, external, parts, key: actionKey(parts) };
}
