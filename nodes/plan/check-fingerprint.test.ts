import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFingerprint } from './check-fingerprint.js';

const dir = mkdtempSync(join(tmpdir(), 'fp-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkFingerprint', () => {
  it("names a schema problem as file:line:col: /path like dataset.json's", () => {
    const file = join(dir, 'dataset_fingerprint.json');
    const text = '{\n    "spacings": [[1, 1, 1]],\n    "shapes_after_crop": "x"\n}';
    writeFileSync(file, text);
    const issues = checkFingerprint(JSON.parse(text), file);
    const shape = issues.find((i) => i.path === '/shapes_after_crop');
    expect(shape).toMatchObject({ code: 'FINGERPRINT_SCHEMA', line: 3, column: 26, message: `${file}:3:26: /shapes_after_crop: must be array` });
  });
});
