/**
 * The Dice figures a run record holds, as rows keyed by configuration, scope and label: evaluate actions give the
 * cross-validation result, validate actions each fold's. Read from run.json alone (no store needed).
 */
import type { RunNodeRecord, RunRecord } from '../engine/index.js';

export interface DiceFigure {
  configuration: string;
  /** 'cross-validation' or 'fold <n>' */
  scope: string;
  /** label key ('1', '(1, 2)') or 'foreground mean' */
  label: string;
  value: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function figures(n: RunNodeRecord, scope: string): DiceFigure[] {
  const configuration = String(n.matrix.configuration ?? n.node);
  const dice = (n.metrics.dice ?? {}) as Record<string, unknown>;
  return [
    ...Object.entries(dice).map(([label, v]) => ({ configuration, scope, label, value: num(v) })),
    ...('mean_fg_dice' in n.metrics ? [{ configuration, scope, label: 'foreground mean', value: num(n.metrics.mean_fg_dice) }] : []),
  ];
}

export function diceFigures(r: RunRecord): DiceFigure[] {
  return r.nodes.flatMap((n) => (n.kind === 'evaluate' ? figures(n, 'cross-validation')
    : n.kind === 'validate' ? figures(n, `fold ${String(n.matrix.fold ?? '?')}`) : []));
}

export const figureKey = (f: Omit<DiceFigure, 'value'>): string => `${f.configuration} | ${f.scope} | ${f.label}`;
