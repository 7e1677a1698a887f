import { readFileSync } from 'node:fs';
import type { Digest } from '../hash/digest.js';
import type { ActionRecord } from './action-record.js';

/** What a cache hit needs from an action record. */
export type HitFacts = Pick<ActionRecord, 'output' | 'items' | 'itemLabel' | 'metrics' | 'timings'>;

/**
 * `state/pack-<pipeline>.json`: the hit facts of every action the pipeline's last run used, in one file.
 * A null rerun then reads one file instead of one record per action (10,000 reads for a 10k-case dataset).
 * It is only an accelerator: an entry counts only while its artifact is in the store, and the records in
 * actions/ stay the truth (status, verify and gc read those).
 */
export class RecordPack {
  private readonly entries: Record<Digest, HitFacts>;
  private readonly used = new Map<Digest, HitFacts>();
  private fresh = 0;

  constructor(private readonly file: string, private readonly write: (file: string, text: string) => Promise<void>) {
    try {
      this.entries = JSON.parse(readFileSync(file, 'utf8')) as Record<Digest, HitFacts>;
    } catch {
      this.entries = {};
    }
  }

  get(key: Digest): HitFacts | undefined {
    return this.entries[key];
  }

  /** Records a hit or a new commit; the next pack holds exactly what this run used. */
  use(key: Digest, facts: HitFacts): void {
    if (!this.entries[key]) this.fresh++;
    this.used.set(key, { output: facts.output, items: facts.items, itemLabel: facts.itemLabel, metrics: facts.metrics, timings: facts.timings });
  }

  async save(): Promise<void> {
    if (this.fresh === 0 && this.used.size === Object.keys(this.entries).length) return;
    await this.write(this.file, JSON.stringify(Object.fromEntries(this.used)));
  }
}
