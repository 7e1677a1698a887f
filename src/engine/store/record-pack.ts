import type { Digest } from '../hash/digest.js';
import type { ActionRecord } from './action-record.js';
import { parseEntries, readText, type UpdateFile } from './shared-state.js';

/** What a cache hit needs from an action record. */
export type HitFacts = Pick<ActionRecord, 'output' | 'items' | 'itemLabel' | 'metrics' | 'timings'>;

/**
 * `state/pack-<pipeline>.json`: the hit facts of every action the pipeline's last run used, in one file.
 * A null rerun then reads one file instead of one record per action (10,000 reads for a 10k-case dataset).
 * It is only an accelerator: an entry counts only while its artifact is in the store, and the records in
 * actions/ stay the truth (status, verify and gc read those; verify removes a pack that disagrees with them).
 */
export class RecordPack {
  private readonly entries: Record<Digest, HitFacts>;
  private readonly used = new Map<Digest, HitFacts>();
  private fresh = 0;

  constructor(private readonly file: string, private readonly update: UpdateFile) {
    this.entries = RecordPack.parse(readText(file));
  }

  static parse(text: string | undefined): Record<string, HitFacts> {
    return parseEntries<HitFacts>(text);
  }

  get(key: Digest): HitFacts | undefined {
    const facts = this.entries[key];
    // a pack edited or damaged into another shape is not trusted (the action record is read instead)
    return typeof facts?.output === 'string' ? facts : undefined;
  }

  /** Records a hit or a new commit; the next pack holds what this run used (and what other runs added meanwhile). */
  use(key: Digest, facts: HitFacts): void {
    if (!this.entries[key]) this.fresh++;
    this.used.set(key, { output: facts.output, items: facts.items, itemLabel: facts.itemLabel, metrics: facts.metrics, timings: facts.timings });
  }

  async save(): Promise<void> {
    if (this.fresh === 0 && this.used.size === Object.keys(this.entries).length) return;
    // entries that were not there when this run read the pack come from a run that saved meanwhile: kept
    await this.update(this.file, (current) => {
      const added = Object.entries(RecordPack.parse(current)).filter(([key]) => !(key in this.entries));
      return JSON.stringify({ ...Object.fromEntries(added), ...Object.fromEntries(this.used) });
    });
  }
}
