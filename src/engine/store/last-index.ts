import { readFileSync } from 'node:fs';
import type { Digest } from '../hash/digest.js';

/** The latest key and output of one action id: what `previous` hands out and what `status` diffs against. */
export interface LastEntry {
  readonly key: Digest;
  readonly output: Digest;
}

/**
 * `last/<pipeline>.json`: action id -> latest entry, one file per pipeline, read once per run and merged
 * back at the end (another process's entries for other ids survive; for the same id the later run wins).
 */
export class LastIndex {
  private readonly entries: Record<string, LastEntry>;
  private readonly changed = new Map<string, LastEntry>();

  constructor(private readonly file: string, private readonly write: (file: string, text: string) => Promise<void>) {
    this.entries = LastIndex.read(file);
  }

  private static read(file: string): Record<string, LastEntry> {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, LastEntry>;
    } catch {
      return {};
    }
  }

  get(actionId: string): LastEntry | undefined {
    return this.changed.get(actionId) ?? this.entries[actionId];
  }

  set(actionId: string, entry: LastEntry): void {
    const cur = this.get(actionId);
    if (cur?.key !== entry.key || cur.output !== entry.output) this.changed.set(actionId, entry);
  }

  async save(): Promise<void> {
    if (this.changed.size === 0) return;
    const merged = { ...LastIndex.read(this.file), ...Object.fromEntries(this.changed) };
    await this.write(this.file, JSON.stringify(merged));
    this.changed.clear();
  }
}
