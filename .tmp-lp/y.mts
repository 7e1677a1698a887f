import { readFileSync } from 'node:fs';
import { parseDocument, LineCounter } from 'yaml';
const text = readFileSync(process.argv[2], 'utf8');
for (const uk of [false, true]) {
  const c = process.cpuUsage();
  const d = parseDocument(text, { uniqueKeys: uk, lineCounter: new LineCounter() });
  const c1 = process.cpuUsage(c);
  d.toJS();
  const c2 = process.cpuUsage(c);
  console.log(process.argv[2], 'uniqueKeys', uk, ((c1.user + c1.system) / 1000).toFixed(0), ((c2.user + c2.system - c1.user - c1.system) / 1000).toFixed(0));
}
