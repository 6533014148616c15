import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface Measured {
  scenario: string;
  title: string;
  /** `service`, `floor`, or `service@<label>` for a build given with --compare. */
  target: string;
  connections: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  errors: number;
  cpuUsPerRequest: number;
  peakRssMb: number;
  tokenWraps: number;
}

export interface TargetCheck {
  name: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResults {
  runAt: string;
  machine: Record<string, string | number | boolean>;
  settings: Record<string, string | number | boolean>;
  startup: {
    freshDatabaseMs: number;
    migratedDatabaseMs: number;
    freshDatabaseCpuMs: number;
    migratedDatabaseCpuMs: number;
  };
  results: Measured[];
  rounds: Measured[];
  ratios: {
    scenario: string;
    floorScenario: string;
    rpsRatio: number;
    p99Ratio: number;
    /** Floor CPU per request over the service's: the req/s ratio when both are CPU-bound. */
    cpuRatio: number;
  }[];
  flat?: {
    /** Set when carried over from an earlier run. */
    recordedAt?: string;
    connections: number;
    rows: Record<string, number>;
    p99Ms: Record<string, Record<string, number>>;
  };
  soak?: {
    recordedAt?: string;
    seconds: number;
    rssAfterFirstMinuteMb: number;
    rssAtEndMb: number;
    growth: number;
    requests: number;
    errors: number;
  };
  targets: TargetCheck[];
}

const fixed = (value: number, digits = 1) =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
const percent = (ratio: number) => `${fixed(ratio * 100, 0)}%`;

export function renderMarkdown(results: BenchResults): string {
  const lines: string[] = [];
  lines.push(`Run at ${results.runAt}.`, '');
  lines.push('| Machine | |', '|---|---|');
  for (const [key, value] of Object.entries(results.machine)) {
    lines.push(`| ${key} | ${String(value)} |`);
  }
  lines.push('', '| Setting | |', '|---|---|');
  for (const [key, value] of Object.entries(results.settings)) {
    lines.push(`| ${key} | ${String(value)} |`);
  }
  lines.push(
    '',
    '### Results',
    '',
    '| Scenario | Target | Conns | req/s | p50 ms | p99 ms | p99.9 ms | Errors | CPU µs/req | Peak RSS MB |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of results.results) {
    lines.push(
      `| ${r.title} | ${r.target} | ${r.connections} | ${fixed(r.rps, 0)} | ${fixed(r.p50Ms, 2)} | ${fixed(r.p99Ms, 2)} | ${fixed(r.p999Ms, 2)} | ${r.errors} | ${fixed(r.cpuUsPerRequest)} | ${fixed(r.peakRssMb)} |`,
    );
  }
  lines.push(
    '',
    '### Service vs floor (same run)',
    '',
    '| Scenario | Compared with floor | req/s ratio | p99 ratio | CPU-efficiency ratio (floor µs/req ÷ service µs/req) |',
    '|---|---|---:|---:|---:|',
  );
  for (const ratio of results.ratios) {
    lines.push(
      `| ${ratio.scenario} | ${ratio.floorScenario} | ${percent(ratio.rpsRatio)} | ${fixed(ratio.p99Ratio, 2)}× | ${percent(ratio.cpuRatio)} |`,
    );
  }
  lines.push(
    '',
    `Start-up to ready (real PostgreSQL and Redis, process spawn to first HTTP answer): ${fixed(results.startup.freshDatabaseMs, 0)} ms on an empty database (migrations run), ${fixed(results.startup.migratedDatabaseMs, 0)} ms on a migrated one; the process used ${fixed(results.startup.freshDatabaseCpuMs, 0)} / ${fixed(results.startup.migratedDatabaseCpuMs, 0)} ms of CPU to get there (wall time grows with the machine's load, CPU time barely).`,
  );
  if (results.flat) {
    lines.push(
      '',
      `### Flat costs (service only, ${results.flat.connections} connections, p99 ms${results.flat.recordedAt ? `; recorded ${results.flat.recordedAt}` : ''})`,
      '',
    );
    const sizes = Object.keys(results.flat.rows);
    lines.push(
      `| Scenario | ${sizes.map((size) => `${size} (${results.flat!.rows[size].toLocaleString('en')} rows)`).join(' | ')} | ratio |`,
      `|---|${sizes.map(() => '---:').join('|')}|---:|`,
    );
    for (const scenario of Object.keys(results.flat.p99Ms[sizes[0]])) {
      const values = sizes.map((size) => results.flat!.p99Ms[size][scenario]);
      lines.push(
        `| ${scenario} | ${values.map((v) => fixed(v, 2)).join(' | ')} | ${fixed(values[values.length - 1] / values[0], 2)}× |`,
      );
    }
  }
  if (results.soak) {
    const soak = results.soak;
    lines.push(
      '',
      `### Soak (${soak.seconds} s of mixed load, 50 connections${soak.recordedAt ? `; recorded ${soak.recordedAt}` : ''})`,
      '',
      `Median RSS in the second minute ${fixed(soak.rssAfterFirstMinuteMb)} MB, in the last minute ${fixed(soak.rssAtEndMb)} MB (${soak.growth >= 0 ? '+' : ''}${percent(soak.growth)}); ${soak.requests} requests, ${soak.errors} errors.`,
    );
  }
  lines.push(
    '',
    '### Targets',
    '',
    '| Target | Goal | Measured | Met |',
    '|---|---|---|---|',
  );
  for (const target of results.targets) {
    const met = target.met === null ? 'not run' : target.met ? 'yes' : '**no**';
    lines.push(
      `| ${target.name} | ${target.goal} | ${target.measured} | ${met} |`,
    );
  }
  return lines.join('\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated block of docs/benchmarks.md, keeping the notes around it. */
export function writeMarkdown(file: string, body: string): void {
  const block = `${START}\n${body}\n${END}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + block + current.slice(end + END.length)
      : `# Benchmarks\n\n${block}\n`;
  writeFileSync(file, next);
}
