import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from './lock.js';

const LEASE = 300;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const past = (file: string, ms: number): void => {
  const t = new Date(Date.now() - ms);
  utimesSync(file, t, t);
};

describe('lock leases across hosts', () => {
  it('waits for another host\'s lease while it is renewed, and takes it over once it expires', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nnunet-lock-')), 'k.lock');
    // a live pid on this host would never be judged dead: another host is judged by its lease alone
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: 'elsewhere', token: 't1' }));
    let waited = false;
    let got = false;
    const next = acquireLock(file, undefined, () => { waited = true; }, LEASE).then((r) => { got = true; return r; });
    await sleep(LEASE / 2);
    expect([waited, got]).toEqual([true, false]);
    past(file, 2 * LEASE); // its holder stopped renewing (killed job, failed node)
    const release = await next;
    expect(JSON.parse(readFileSync(file, 'utf8')).host).not.toBe('elsewhere');
    await release();
  });

  it('the holder renews its lease, so a long action keeps its lock', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nnunet-lock-')), 'k.lock');
    const release = await acquireLock(file, undefined, undefined, LEASE);
    past(file, LEASE / 2);
    const before = statSync(file).mtimeMs;
    await sleep(LEASE / 2);
    expect(statSync(file).mtimeMs).toBeGreaterThan(before);
    let got = false;
    const other = acquireLock(file, undefined, undefined, LEASE).then((r) => { got = true; return r; });
    await sleep(LEASE * 2);
    expect(got).toBe(false);
    await release();
    await (await other)();
  });

  it('a holder whose lease was taken over does not remove the new holder\'s lock', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nnunet-lock-')), 'k.lock');
    const first = await acquireLock(file, undefined, undefined, 60_000);
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: 'elsewhere', token: 'newer' }));
    await first();
    expect(JSON.parse(readFileSync(file, 'utf8')).token).toBe('newer');
  });

  it('waits on a lock file still empty (its writer is between create and write), and takes it over once that lasts too long', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nnunet-lock-')), 'k.lock');
    writeFileSync(file, '');
    let waited = false;
    let got = false;
    const next = acquireLock(file, undefined, () => { waited = true; }, 60_000).then((r) => { got = true; return r; });
    await sleep(120);
    expect([waited, got]).toEqual([true, false]);
    past(file, 10_000); // its writer was killed before it wrote its owner
    const release = await next;
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    await release();
  });
});
