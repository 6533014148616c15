/**
 * Summarises a V8 .cpuprofile from `npm run bench -- --prof`: where a side's CPU went, by
 * package and by function, self time only, idle left out.
 *
 *   npm run bench:profile -- bench/results/service-<run>.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** `…/node_modules/@nestjs/core/…` → `@nestjs/core`; the side's own code → `own code`. */
function packageOf(url: string, functionName: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + 14).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  if (url === '') {
    return functionName.startsWith('(') ? functionName : '(native)';
  }
  return url.startsWith('node:') ? 'node (built-in)' : 'own code';
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
if (positionals.length !== 1) {
  console.error('usage: npm run bench:profile -- <file.cpuprofile> [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as CpuProfile;
const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
const add = (map: Map<string, number>, key: string, us: number) =>
  map.set(key, (map.get(key) ?? 0) + us);
let busyUs = 0;
profile.samples.forEach((id, i) => {
  const { functionName, url, lineNumber } = frames.get(id)!;
  const us = profile.timeDeltas[i] ?? 0;
  if (functionName !== '(idle)') {
    busyUs += us;
    add(byPackage, packageOf(url, functionName), us);
    const where = url.replace(/^.*\/(node_modules|dist)\//, '');
    const name = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`;
    add(byFunction, name.trim(), us);
  }
});
console.log(`busy (not idle): ${(busyUs / 1000).toFixed(0)} ms`);
for (const [title, map] of [
  ['By package', byPackage],
  ['By function', byFunction],
] as const) {
  console.log(`\n${title} (self time):`);
  const ranked = [...map].sort((a, b) => b[1] - a[1]);
  for (const [name, us] of ranked.slice(0, Number(values.top))) {
    const share = ((us / busyUs) * 100).toFixed(1).padStart(5);
    console.log(`${share}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
}
