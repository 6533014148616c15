/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --prof`): where the service's CPU
 * went, by package and by function, self time only.
 *
 *   npm run bench:profile -- bench/results/service-<run>.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: {
    functionName: string;
    url: string;
    lineNumber: number;
  };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `node_modules/@nestjs/core/...` → `@nestjs/core`; `dist/...` → `service`. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') {
    return functionName.startsWith('(') ? functionName : '(native)';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + 14).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  if (url.startsWith('node:')) {
    return 'node (built-in)';
  }
  return url.includes('/dist/') ? 'service' : url;
}

export function summarise(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)!;
    if (callFrame.functionName === '(idle)') {
      continue;
    }
    total += us;
    const pkg = packageOf(callFrame.url, callFrame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const where = callFrame.url
      ? `${callFrame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${callFrame.lineNumber + 1}`
      : '';
    const key = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  return {
    busyMs: total / 1000,
    packages: ranked(packages),
    functions: ranked(functions),
  };
}

if (require.main === module) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  const file = positionals[0];
  if (!file) {
    console.error(
      'usage: npm run bench:profile -- <file.cpuprofile> [--top N]',
    );
    process.exit(2);
  }
  const top = Number(values.top);
  const summary = summarise(
    JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
  );
  const line = (entry: { name: string; ms: number; share: number }) =>
    `${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.ms.toFixed(0).padStart(7)} ms  ${entry.name}`;
  console.log(`busy (not idle): ${summary.busyMs.toFixed(0)} ms\n`);
  console.log('By package (self time):');
  summary.packages.slice(0, top).forEach((entry) => console.log(line(entry)));
  console.log('\nBy function (self time):');
  summary.functions.slice(0, top).forEach((entry) => console.log(line(entry)));
}
