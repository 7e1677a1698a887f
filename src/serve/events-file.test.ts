import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEvents } from './events-file.js';

const dir = mkdtempSync(join(tmpdir(), 'nnunet-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readEvents', () => {
  it('skips a line longer than one read instead of stopping there for good, and events missing their fields', async () => {
    const file = join(dir, 'events.jsonl');
    const good = { type: 'action-log', id: 'a', message: 'after', t: 2 };
    const huge = JSON.stringify({ type: 'action-log', id: 'a', message: 'x'.repeat(5 << 20), t: 1 });
    writeFileSync(file, `${huge}\n${JSON.stringify({ type: 'action-end', id: 'a', t: 3 })}\n${JSON.stringify(good)}\n`);
    const events = [];
    let offset = 0;
    for (let i = 0; i < 4; i++) {
      const r = await readEvents(file, offset);
      events.push(...r.events);
      offset = r.offset;
    }
    expect(events).toEqual([good]);
  });
});
