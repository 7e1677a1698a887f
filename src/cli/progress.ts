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
 * A failure as it happens, in one line: the run's closing summary prints the full message (every dataset
 * problem, say), so printing it here as well would show each detail twice.
 */
export function failureLine(e: Extract<EngineEvent, { type: 'action-end' }>): string {
  const [first, ...rest] = (e.error?.message ?? '').split('\n');
  const more = rest.length ? ` (${rest.length} more line${rest.length > 1 ? 's' : ''} in the summary)` : '';
  return `failed ${e.id}: ${first} [${e.error?.code ?? ''}]${more}\n`;
}

function fmt(e: Extract<EngineEvent, { type: 'action-progress' }>): Record<string, string> {
  const m = e.progress.metrics ? Object.entries(e.progress.metrics).map(([k, v]) => `${k} ${Number(v).toPrecision(3)}`).join(' ') : '';
  return { action: e.id, message: [e.progress.message ?? '', m].filter(Boolean).join('  ') };
}

/**
 * One bar per running action that reports progress (with ETA), plus a line counting finished actions.
 * Failures are printed as they happen even without a live view, since they are what a user must read.
 */
export function createProgress(quiet: boolean | undefined, write: (s: string) => void = (s) => process.stderr.write(s)): ProgressView {
  if (!wantsLiveProgress(quiet)) {
    return {
      observer: (e) => {
        if (e.type === 'action-end' && e.status === 'failed' && !quiet) write(failureLine(e));
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
