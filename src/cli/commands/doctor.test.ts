import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { doctorReport, register } from './doctor.js';

describe('nnunet doctor', () => {
  it('formats backend, versions, threads and the faster hint', () => {
    const lines = doctorReport({
      name: 'cpu', tfjsVersion: '4.22.0', reason: 'auto: pure tfjs-cpu always works; skipped onednn: not built',
      fasterHint: 'sudo apt-get install libdnnl-dev && npm run build:addon',
    }, {});
    expect(lines.join('\n')).toMatch(/^backend +cpu$/m);
    expect(lines.join('\n')).toMatch(/^tfjs-node +not installed$/m);
    expect(lines.join('\n')).toMatch(/^faster +sudo apt-get install libdnnl-dev/m);
    const fast = doctorReport({ name: 'onednn', tfjsVersion: '4.22.0', reason: 'auto',
      onednn: { version: '2.6.3', isa: 'avx2', threads: 4 }, kernels: ['Conv3D'] }, { tfjsNode: '4.22.0' });
    expect(fast.join('\n')).toMatch(/^oneDNN +2\.6\.3, ISA avx2, 4 threads/m);
    expect(fast.join('\n')).toMatch(/^faster +nothing to do/m);
  });

  it('runs as a command on the real backend selection', async () => {
    const program = new Command().exitOverride();
    register(program);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await program.parseAsync(['node', 'nnunet', 'doctor', '--backend', 'cpu']);
    expect(log.mock.calls[0][0]).toMatch(/^backend +cpu$/m);
    log.mockRestore();
  });
});
