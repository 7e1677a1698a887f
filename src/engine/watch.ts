import { isAbsolute, relative, resolve, sep } from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import type { Json } from './types.js';
import { buildPlan, type Plan } from './pipeline/plan.js';
import { runPlan, type ExecOptions } from './exec/run-plan.js';
import type { RunRecord } from './runs/record.js';
import type { PlanOptions } from './pipeline/plan.js';

export interface WatchCycle {
  /** paths whose change started this cycle (empty for the first run) */
  changed: string[];
  /** actions aborted mid-flight because their inputs changed */
  aborted: string[];
  record?: RunRecord;
  /** a pipeline error (bad YAML after an edit): watching goes on */
  error?: unknown;
}

export interface WatchOptions extends PlanOptions, Omit<ExecOptions, 'targets' | 'actionSignal'> {
  pipelineFile: string;
  /** quiet period after the last change before rerunning */
  debounceMs?: number;
  onCycle?(cycle: WatchCycle): void;
  /** called once the watcher is ready (tests wait for it before touching files) */
  onReady?(): void;
}

const within = (path: string, root: string): boolean => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** Absolute paths mentioned in an item's data: a per-item action only depends on those of its item. */
function itemPaths(data: Json | undefined, out: string[] = []): string[] {
  if (typeof data === 'string' && isAbsolute(data)) out.push(data);
  else if (Array.isArray(data)) data.forEach((d) => itemPaths(d, out));
  else if (data && typeof data === 'object') Object.values(data).forEach((d) => itemPaths(d, out));
  return out;
}

interface InFlight {
  node: string;
  external: string[];
  item: string[];
  ctl: AbortController;
}

/**
 * Runs the pipeline, then reruns it whenever the pipeline file or an external input changes. Changes are
 * debounced and chokidar waits for files to stop changing; actions in flight whose inputs changed are
 * aborted, and the rerun only executes what is stale. Resolves when `signal` aborts.
 */
export async function watchPipeline(opts: WatchOptions): Promise<void> {
  const pipelineFile = resolve(opts.pipelineFile);
  const watcher: FSWatcher = chokidarWatch(pipelineFile, {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
  });
  await new Promise<void>((r) => watcher.once('ready', () => r()));
  const watched = new Set<string>([pipelineFile]);
  const inFlight = new Map<string, InFlight>();
  let nodeExternals = new Map<string, Set<string>>();
  let plan: Plan | undefined;
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  // Inputs are watched as soon as an action declares them, so a change during the first run counts too.
  const watchPaths = (paths: readonly string[]): void => {
    const fresh = paths.filter((p) => !watched.has(p));
    fresh.forEach((p) => watched.add(p));
    if (fresh.length) watcher.add(fresh);
  };

  /** Nodes whose own or transitive upstream externals include `path`. */
  const touchedNodes = (path: string): Set<string> => {
    const out = new Set<string>();
    if (!plan) return out;
    for (const name of plan.order) {
      const own = [...(nodeExternals.get(name) ?? [])].some((e) => within(path, e));
      if (own || plan.nodes.get(name)!.needs.some((n) => out.has(n.node))) out.add(name);
    }
    return out;
  };

  const abortAffected = (changed: string[]): string[] => {
    const aborted: string[] = [];
    const all = changed.includes(pipelineFile);
    for (const [id, f] of inFlight) {
      const hit = all || changed.some((c) => f.external.some((e) => within(c, e))
        || (touchedNodes(c).has(f.node) && (f.item.length === 0 || f.item.some((p) => within(c, p) || within(p, c)))));
      if (hit) {
        f.ctl.abort();
        aborted.push(id);
      }
    }
    return aborted;
  };

  const cycle = async (changed: string[], aborted: string[]): Promise<void> => {
    try {
      plan = await buildPlan({ ...opts, pipelineFile });
      const externals = new Map<string, Set<string>>();
      const { record, externalPaths } = await runPlan(plan, {
        ...opts,
        onEvent(e) {
          if (e.type === 'action-end') inFlight.delete(e.id);
          opts.onEvent?.(e);
        },
        // a cached dataset action still feeds the training that runs below it: its paths count from preparation on
        onExternals(node, paths) {
          if (!externals.has(node)) externals.set(node, new Set());
          paths.forEach((e) => externals.get(node)!.add(e));
          nodeExternals = externals;
          watchPaths(paths);
        },
        actionSignal(info) {
          const ctl = new AbortController();
          inFlight.set(info.id, { node: info.node, external: info.external, item: itemPaths(info.item?.data), ctl });
          return ctl.signal;
        },
      });
      nodeExternals = externals;
      inFlight.clear();
      watchPaths(externalPaths);
      opts.onCycle?.({ changed, aborted, record });
    } catch (error) {
      inFlight.clear();
      opts.onCycle?.({ changed, aborted, error });
    }
  };

  const flush = (): void => {
    timer = undefined;
    if (running || opts.signal?.aborted) return;
    const changed = pending;
    pending = [];
    running = cycle(changed, []).finally(() => {
      running = undefined;
      if (pending.length) schedule();
    });
  };

  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, opts.debounceMs ?? 500);
  };

  const onChange = (path: string): void => {
    const abs = resolve(path);
    if (!pending.includes(abs)) pending.push(abs);
    if (running) {
      const aborted = abortAffected([abs]);
      if (aborted.length) opts.onCycle?.({ changed: [abs], aborted });
    }
    schedule();
  };
  for (const ev of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) watcher.on(ev, onChange);

  opts.onReady?.();
  running = cycle([], []).finally(() => {
    running = undefined;
    if (pending.length) schedule();
  });
  await new Promise<void>((r) => {
    wake = r;
    if (opts.signal?.aborted) r();
    opts.signal?.addEventListener('abort', () => wake?.(), { once: true });
  });
  if (timer) clearTimeout(timer);
  for (const f of inFlight.values()) f.ctl.abort();
  await running;
  await watcher.close();
}

/** `relative()` for messages, leaving paths outside `base` absolute. */
export function shortPath(path: string, base = process.cwd()): string {
  const r = relative(base, path);
  return r.startsWith('..') ? path : r;
}
