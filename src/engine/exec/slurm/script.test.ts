import { describe, expect, it } from 'vitest';
import { sbatchScript, shellQuote } from './script.js';

const base = {
  actionId: 'train[configuration=3d_fullres,fold=0]', log: '/s/scratch/k.job/slurm-%j.log', cwd: '/home/me/project dir',
  command: ['/usr/bin/node', '/opt/nnunet/bin/nnunet.js', 'exec', '/shared/store', 'abc'],
};

describe('sbatch script', () => {
  it('asks for GPUs only where the partition has them, and caps requests to the largest node', () => {
    const cpuOnly = sbatchScript({ ...base, resources: { cpus: 5, gpus: 1, mem_gb: 64 }, size: { cpus: 2, memMb: 12000, gpus: 0 } });
    expect(cpuOnly).toContain('#SBATCH --cpus-per-task=2\n');
    expect(cpuOnly).toContain('#SBATCH --mem=12000M\n');
    expect(cpuOnly).not.toContain('--gres');
    const gpu = sbatchScript({ ...base, resources: { cpus: 5, gpus: 1, time: '2-00:00:00' }, size: { cpus: 64, memMb: 512000, gpus: 4 },
      partition: 'gpu', account: 'lab', sbatchArgs: ['--qos=high'] });
    expect(gpu.split('\n')).toEqual(expect.arrayContaining(['#SBATCH --cpus-per-task=5', '#SBATCH --gres=gpu:1', '#SBATCH --time=2-00:00:00',
      '#SBATCH --partition=gpu', '#SBATCH --account=lab', '#SBATCH --qos=high', '#SBATCH --job-name=nnunet:train[configuration=3d_fullres,fold=0]']));
    expect(gpu).not.toContain('--mem');
    expect(gpu.endsWith("cd '/home/me/project dir'\nexec /usr/bin/node /opt/nnunet/bin/nnunet.js exec /shared/store abc\n")).toBe(true);
  });
  it('quotes what the shell would split or expand', () => {
    expect(shellQuote("it's $HOME")).toBe("'it'\\''s $HOME'");
    expect(shellQuote('/a/b-c_d.js')).toBe('/a/b-c_d.js');
  });
});
