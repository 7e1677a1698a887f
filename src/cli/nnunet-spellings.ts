/**
 * nnU-Net v2's flag spellings, rewritten to ours before commander parses them, so that an nnU-Net command line works
 * unchanged. Commander knows no multi-letter short flags: `-djfile f` would otherwise parse as `-d jfile`, silently.
 */

interface Spelling {
  /** our flag; empty: nnU-Net's flag names what is our positional argument (`-d 4`), so only its value stays */
  flag: string;
  /** nnU-Net's values for it, as ours (planner class names) */
  values?: Readonly<Record<string, string>>;
}

const PLANNERS: Readonly<Record<string, string>> = {
  ExperimentPlanner: 'default', nnUNetPlannerResEncM: 'resenc-m', nnUNetPlannerResEncL: 'resenc-l', nnUNetPlannerResEncXL: 'resenc-xl',
};

const PLANNING: Readonly<Record<string, Spelling>> = {
  '-gpu_memory_target': { flag: '--gpu-memory' },
  '-pl': { flag: '--planner', values: PLANNERS },
  '-overwrite_plans_name': { flag: '--plans-name' },
  '-overwrite_target_spacing': { flag: '--overwrite-target-spacing' },
  '--verify_dataset_integrity': { flag: '--verify-dataset-integrity' },
  '-np': { flag: '--processes' },
};

/** By command: nnUNetv2_predict, _ensemble, _evaluate_folder/_simple, _plan_and_preprocess / _plan_experiment. */
const SPELLINGS: Readonly<Record<string, Readonly<Record<string, Spelling>>>> = {
  predict: {
    '-chk': { flag: '--checkpoint' }, '--disable_tta': { flag: '--no-tta' }, '--save_probabilities': { flag: '--save-probabilities' },
    '--continue_prediction': { flag: '--continue-prediction' }, '-step_size': { flag: '--step-size' },
    '-prev_stage_predictions': { flag: '--previous-stage' }, '-num_parts': { flag: '--num-parts' }, '-part_id': { flag: '--part-id' },
    '-tr': { flag: '--trainer' }, '-device': { flag: '--device' }, '-npp': { flag: '--processes' }, '-nps': { flag: '--processes' },
    '--disable_progress_bar': { flag: '--quiet' }, '--not_on_device': { flag: '--not-on-device' },
  },
  ensemble: { '--save_npz': { flag: '--save-probabilities' }, '-np': { flag: '--processes' } },
  evaluate: { '-djfile': { flag: '--dataset-json' }, '-pfile': { flag: '--plans-file' }, '-il': { flag: '--ignore-label' }, '-np': { flag: '--processes' } },
  plan: { ...PLANNING, '-d': { flag: '' } },
  preprocess: { ...PLANNING, '-d': { flag: '' } },
  train: { '--c': { flag: '--continue' }, '-pretrained_weights': { flag: '--init-from' }, '--npz': { flag: '--npz' } },
};

/** Global options that take a value, so their value is not mistaken for the command. */
const GLOBAL_WITH_VALUE = new Set(['--store', '--runs-dir', '--allow-path']);

/** argv with the command's nnU-Net spellings (flags, and their values where they differ) rewritten to ours. */
export function nnunetArgv(argv: readonly string[]): string[] {
  let at = 2;
  while (at < argv.length && argv[at].startsWith('-')) at += GLOBAL_WITH_VALUE.has(argv[at]) ? 2 : 1;
  const table = SPELLINGS[argv[at]];
  if (!table) return [...argv];
  const out = argv.slice(0, at + 1);
  for (let i = at + 1; i < argv.length; i++) {
    const s = table[argv[i]];
    if (s?.flag !== '') out.push(s?.flag ?? argv[i]);
    if (s?.values && i + 1 < argv.length) out.push(s.values[argv[++i]] ?? argv[i]);
  }
  return out;
}
