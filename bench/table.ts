/** What every benchmark prints: its figure, nnU-Net's baseline and their ratio, as a Markdown table. */
import { existsSync, readFileSync } from 'node:fs';

export interface Row {
  figure: string;
  value: number;
  baseline?: number;
  /** true when larger is better */
  higher?: boolean;
}

export function printTable(rows: Row[], opts: { digits?: number; unit?: string } = {}): void {
  const digits = opts.digits ?? 2;
  const unit = opts.unit ? ` (${opts.unit})` : '';
  console.log(`| figure | ours${unit} | nnU-Net v2${unit} | ratio (>1 = we are better) |`);
  console.log('|---|---|---|---|');
  for (const r of rows) {
    const ratio = r.baseline === undefined ? '' : (r.higher ? r.value / r.baseline : r.baseline / r.value).toFixed(2);
    console.log(`| ${r.figure} | ${r.value.toFixed(digits)} | ${r.baseline?.toFixed(digits) ?? ''} | ${ratio} |`);
  }
}

const BASELINES = new URL('../../shared/bench/baselines.json', import.meta.url).pathname;

/** nnU-Net v2's Hippocampus figures from ../shared/bench/baselines.json, or undefined when it is absent. */
export function hippocampusBaselines(): Record<string, any> | undefined {
  return existsSync(BASELINES) ? JSON.parse(readFileSync(BASELINES, 'utf8')).nnunet_v2_cpu.hippocampus : undefined;
}
