/** `nnunet dag <pipeline>`: the node graph as text, Graphviz dot or Mermaid. */
import type { Command } from 'commander';
import { kinds } from '../../../nodes/index.js';
import { buildPlan, PipelineError, type Plan, type PlannedNode } from '../../engine/index.js';
import { collectSet, globalDirs } from './run.js';

function fanout(n: PlannedNode): string {
  const m = n.matrixKeys.length ? `${n.combos.length}x matrix(${n.matrixKeys.join(',')})` : '';
  const f = n.foreach ? `per item of ${n.foreach}` : '';
  return [m, f].filter(Boolean).join(', ');
}

export function dagText(plan: Plan): string {
  return plan.order.map((name) => {
    const n = plan.nodes.get(name)!;
    const byInput = new Map<string, string[]>();
    for (const x of n.needs) byInput.set(x.input, [...(byInput.get(x.input) ?? []), x.node]);
    const needs = [...byInput].map(([input, from]) => (from.length > 1 ? `${input}=[${from.join(', ')}]`
      : from[0] === input ? input : `${input}=${from[0]}`)).join(', ');
    const extra = fanout(n);
    return `${name} (${n.uses})${needs ? ` <- ${needs}` : ''}${extra ? `  [${extra}]` : ''}`;
  }).join('\n');
}

const q = (s: string): string => JSON.stringify(s);

export function dagDot(plan: Plan): string {
  const lines = [`digraph ${q(plan.name)} {`, '  rankdir=LR;', '  node [shape=box];'];
  for (const name of plan.order) {
    const n = plan.nodes.get(name)!;
    const extra = fanout(n);
    lines.push(`  ${q(name)} [label=${q([name, n.uses, extra].filter(Boolean).join('\n'))}${n.foreach || n.matrixKeys.length ? ', style=rounded' : ''}];`);
    for (const x of n.needs) lines.push(`  ${q(x.node)} -> ${q(name)}${x.input !== x.node ? ` [label=${q(x.input)}]` : ''};`);
  }
  lines.push('}');
  return lines.join('\n');
}

export function dagMermaid(plan: Plan): string {
  const id = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_');
  const lines = ['graph LR'];
  for (const name of plan.order) {
    const n = plan.nodes.get(name)!;
    const extra = fanout(n);
    lines.push(`  ${id(name)}["${name}<br/>${n.uses}${extra ? `<br/>${extra}` : ''}"]`);
    for (const x of n.needs) lines.push(`  ${id(x.node)} -->${x.input !== x.node ? `|${x.input}|` : ''} ${id(name)}`);
  }
  return lines.join('\n');
}

const FORMATS = { text: dagText, dot: dagDot, mermaid: dagMermaid } as const;

export function register(program: Command): void {
  program.command('dag')
    .description('print the pipeline graph (nodes, needs, matrix and per-item fan-out)')
    .argument('<pipeline>', 'pipeline YAML file')
    .argument('[nodes...]', 'only these nodes and what they need')
    .option('--format <format>', 'text | dot | mermaid', 'text')
    .option('--set <key=value>', 'override a param (repeatable)', collectSet)
    .action(async (pipeline: string, nodes: string[], opts: { format: string; set?: Record<string, string> }, cmd: Command) => {
      const render = FORMATS[opts.format as keyof typeof FORMATS];
      if (!render) throw new PipelineError('CLI_BAD_FORMAT', `--format must be one of ${Object.keys(FORMATS).join(', ')}, got '${opts.format}'`);
      const plan = await buildPlan({ pipelineFile: pipeline, kinds, set: opts.set, targets: nodes.length ? nodes : undefined, allowPaths: globalDirs(cmd).allowPaths });
      process.stdout.write(`${render(plan)}\n`);
    });
}
