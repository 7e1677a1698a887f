import cliProgress from 'cli-progress';
import type { EngineEvent, EngineObserver } from '../engine/index.js';

export interface ProgressView {
  observer: EngineObserver;
  stop(): void;
}

/** Live view only on an interactive terminal; CI logs and pipes get the final summary alone. */
export function wantsLiveProgress(quiet: boolean | undefined): boolean {
  return !quiet && process.stderr.isTTY === true && !process.env.CI;
}

/**
 * A failure as it happens, with its whole message (every dataset problem, say) on stderr, where a user and a
 * script look for errors; the closing summary then names it in one line.
 */
export function failureLine(e: Extract<EngineEvent, { type: 'action-end' }>): string {
  return `failed ${e.id}: ${e.error?.message ?? ''} [${e.error?.code ?? ''}]\n`;
}

/** The first line of a failure's message, for summaries printed after the full message went to stderr. */
export function failureHeadline(message: string | undefined): string {
  const [first, ...rest] = (message ?? '').split('\n');
  return rest.length ? `${first} (${rest.length} more line${rest.length > 1 ? 's' : ''} above)` : first;
}

function fmt(e: Extract<EngineEvent, { type: 'action-progress' }>): Record<string, string> {
  const m = e.progress.metrics ? Object.entries(e.progress.metrics).map(([k, v]) => `${k} ${Number(v).toPrecision(3)}`).join(' ') : '';
  return { action: e.id, message: [e.progress.message ?? '', m].filter(Boolean).join('  ') };
}

// Without a terminal a progress line per action at most this often, unless its message (epoch, case) changes.
const PLAIN_EVERY_MS = 10_000;

/**
 * Plain log lines for a Slurm job log, CI or `| tee`, as nnU-Net's log reads: every action's log lines (a
 * training epoch's loss, pseudo Dice, lr and time), its progress when the step changes, and each action's end.
 */
export function plainObserver(out: (s: string) => void): EngineObserver {
  const last = new Map<string, { message: string; at: number }>();
  return (e) => {
    if (e.type === 'action-log') out(`[${e.id}] ${e.message}\n`);
    else if (e.type === 'action-wait') out(`[${e.id}] ${e.reason}\n`);
    else if (e.type === 'action-progress') {
      const { message = '' } = fmt(e);
      const prev = last.get(e.id);
      const now = Date.now();
      if (prev && prev.message === message && now - prev.at < PLAIN_EVERY_MS) return;
      if (prev && prev.message !== message && now - prev.at < 1000 && e.progress.done < e.progress.total) return;
      last.set(e.id, { message, at: now });
      out(`[${e.id}] ${e.progress.done}/${e.progress.total} ${message}\n`);
    } else if (e.type === 'action-end') {
      last.delete(e.id);
      if (e.status === 'ran') out(`ran ${e.id} in ${(e.durationMs / 1000).toFixed(1)} s\n`);
    }
  };
}

/**
 * One bar per running action that reports progress (with ETA), plus a line counting finished actions.
 * Without a terminal, plain lines instead (unless quiet). Failures are printed as they happen even without a
 * live view and even when quiet: they are what a user must read.
 */
export function createProgress(quiet: boolean | undefined, write: (s: string) => void = (s) => process.stderr.write(s),
  out: (s: string) => void = (s) => process.stdout.write(s)): ProgressView {
  if (!wantsLiveProgress(quiet)) {
    const plain = quiet ? undefined : plainObserver(out);
    return {
      observer: (e) => {
        plain?.(e);
        if (e.type === 'action-end' && e.status === 'failed') write(failureLine(e));
      },
      stop: () => undefined,
    };
  }
  const multi = new cliProgress.MultiBar({
    format: ' {bar} {percentage}% | ETA {eta_formatted} | {action} {message}',
    hideCursor: true, clearOnComplete: true, stopOnComplete: false,
  }, cliProgress.Presets.shades_classic);
  const bars = new Map<string, cliProgress.SingleBar>();
  const counts = { ran: 0, cached: 0, failed: 0, running: 0 };
  const summary = multi.create(1, 0, { action: '', message: '' }, { format: ' {action}' });
  const refresh = (): void => summary.update(0, { action: `running ${counts.running}  ran ${counts.ran}  cached ${counts.cached}  failed ${counts.failed}` });
  return {
    observer(e) {
      if (e.type === 'action-start') {
        counts.running++;
        refresh();
      } else if (e.type === 'action-progress') {
        let bar = bars.get(e.id);
        if (!bar) {
          bar = multi.create(Math.max(1, e.progress.total), 0, fmt(e));
          bars.set(e.id, bar);
        }
        bar.setTotal(Math.max(1, e.progress.total));
        bar.update(e.progress.done, fmt(e));
      } else if (e.type === 'action-end') {
        if (e.status === 'ran' || e.status === 'failed' || e.status === 'aborted') counts.running = Math.max(0, counts.running - 1);
        if (e.status === 'ran') counts.ran++;
        if (e.status === 'cached') counts.cached++;
        if (e.status === 'failed') {
          counts.failed++;
          multi.log(failureLine(e));
        }
        const bar = bars.get(e.id);
        if (bar) {
          multi.remove(bar);
          bars.delete(e.id);
        }
        refresh();
      }
    },
    stop: () => multi.stop(),
  };
}
