/**
 * `npm run bench [-- area ...]`: runs the benchmarks (not tests). Each bench/<area>.ts exports `run()` and prints
 * a table with its figure, the baseline (../shared/bench/baselines.json where it has one) and their ratio.
 */
import { existsSync } from 'node:fs';

const AREAS = ['engine', 'imaging', 'planning', 'preprocess', 'data', 'compute', 'train', 'predict', 'real-data', 'gpu'] as const;

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((a) => !(AREAS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown benchmark area(s): ${unknown.join(', ')}; known: ${AREAS.join(', ')}`);
    process.exit(2);
  }
  const areas = asked.length > 0 ? asked : [...AREAS];
  for (const area of areas) {
    const url = new URL(`./${area}.ts`, import.meta.url);
    if (!existsSync(url)) {
      console.log(`\n## ${area}: no benchmark yet`);
      continue;
    }
    console.log(`\n## ${area}`);
    const mod = (await import(url.href)) as { run: () => Promise<void> };
    await mod.run();
  }
}

await main();
