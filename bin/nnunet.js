#!/usr/bin/env node
// Entry point of the `nnunet` command. The CLI is TypeScript run through tsx, so a fresh clone works
// after `npm ci` with no separate build step; worker threads get the same loader (src/util/worker.ts).
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
