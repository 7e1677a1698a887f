/**
 * nnUNetv2_find_best_configuration and nnUNetv2_export_model_to_zip read trained models; they never train. Ours run
 * the pipeline up to their node, so before they do, training that is not done yet is named and refused unless
 * `--train` says to do it here (1000 epochs per fold is not something to start by surprise).
 */
import { NnunetError, statusPlan, type Plan } from '../../engine/index.js';

export async function refuseUntrained(plan: Plan, storeDir: string | undefined, command: string): Promise<void> {
  const report = await statusPlan(plan, { storeDir });
  const untrained = report.actions.filter((a) => a.state === 'stale' && plan.nodes.get(a.node)?.kind.kind === 'train-fold').map((a) => a.id);
  if (untrained.length === 0) return;
  throw new NnunetError('CLI_NOT_TRAINED', `${command}: ${untrained.length} training action(s) of ${plan.file ?? plan.name} are not done `
    + `(${untrained.slice(0, 4).join(', ')}${untrained.length > 4 ? ` and ${untrained.length - 4} more` : ''}); `
    + 'train them first (nnunet run), or pass --train to train them here');
}
