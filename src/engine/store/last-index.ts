import type { Digest } from '../hash/digest.js';
import { parseEntries, readText, type UpdateFile } from './shared-state.js';

/** The latest key and output of one action id: what `previous` hands out and what `status` diffs against. */
export interface LastEntry {
  readonly key: Digest;
  readonly output: Digest;
}

/**
 * `last/<pipeline>.json`: action id -> latest entry, one file per pipeline, read once per run and merged
 * back at the end under its lock (another process's entries for other ids survive; for the same id the run
 * that saves later wins).
 */
export class LastIndex {
  private readonly entries: Record<string, LastEntry>;
  private readonly changed = new Map<string, LastEntry>();

  constructor(private readonly file: string, private readonly update: UpdateFile) {
    this.entries = LastIndex.parse(readText(file));
  }

  private static parse(text: string | undefined): Record<string, LastEntry> {
    return parseEntries<LastEntry>(text);
  }

  get(actionId: string): LastEntry | undefined {
    const entry = this.changed.get(actionId) ?? this.entries[actionId];
    // an entry damaged into another shape is as good as none: the action then says it is new
    return typeof entry?.key === 'string' && typeof entry.output === 'string' ? entry : undefined;
  }

  set(actionId: string, entry: LastEntry): void {
    const cur = this.get(actionId);
    if (cur?.key !== entry.key || cur.output !== entry.output) this.changed.set(actionId, entry);
  }

  async save(): Promise<void> {
    if (this.changed.size === 0) return;
    await this.update(this.file, (current) => JSON.stringify({ ...LastIndex.parse(current), ...Object.fromEntries(this.changed) }));
    this.changed.clear();
  }
}
