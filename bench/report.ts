/** Medians and spreads of the rounds, the markdown tables, and the block they fill in docs/benchmarks.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SCALE_GROWTH_LIMIT, type Scenario } from './scenarios';

export interface Round {
  requests: number;
  rps: number;
  p99Ms: number;
  /** CPU the side used over the measured window ÷ the requests it answered. */
  cpuUs: number;
  errors: number;
  tokenWraps: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

type Metric = 'cpuUs' | 'rps' | 'p99Ms';
export type SideResult = Record<Metric, Spread> & {
  errors: number;
  rounds: Round[];
};

export interface ScenarioResult {
  name: string;
  title: string;
  connections: number;
  target?: Scenario['target'];
  /** By side: `floor`, `service`, a `--compare` label, or `10k` / `1M` for `--scale`. */
  sides: Record<string, SideResult>;
}

export interface BenchReport {
  runAt: string;
  machine: Record<string, string>;
  settings: Record<string, string>;
  startup: { emptyDatabaseMs: number; migratedDatabaseMs: number };
  scenarios: ScenarioResult[];
  scale?: ScenarioResult[];
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const [low, high] = [(sorted.length - 1) >> 1, sorted.length >> 1];
  const median = (sorted[low] + sorted[high]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

export function summarise(rounds: Round[]): SideResult {
  const of = (metric: Metric) => spread(rounds.map((round) => round[metric]));
  const errors = rounds.reduce((sum, round) => sum + round.errors, 0);
  return {
    cpuUs: of('cpuUs'),
    rps: of('rps'),
    p99Ms: of('p99Ms'),
    errors,
    rounds,
  };
}

const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
const shown = ({ median, min, max }: Spread, digits: number) =>
  `${fixed(median, digits)} (${fixed(min, digits)}–${fixed(max, digits)})`;
const percent = (ratio: number) => `${fixed(ratio * 100, 0)}%`;
const verdict = (met: boolean) => (met ? 'met' : '**not met**');
/** `a` ÷ `b` of the medians of one metric. */
const ratio = (a: SideResult, b: SideResult, metric: Metric) =>
  a[metric].median / b[metric].median;

function sidesTable(results: ScenarioResult[]): string[] {
  const lines = [
    '| Scenario | Conns | Side | CPU µs/req | req/s | p99 ms | Errors |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const { name, title, connections, sides } of results) {
    for (const [side, r] of Object.entries(sides)) {
      const figures = [shown(r.cpuUs, 1), shown(r.rps, 0), shown(r.p99Ms, 2)];
      const row = [
        `${name}: ${title}`,
        connections,
        side,
        ...figures,
        r.errors,
      ];
      lines.push(`| ${row.join(' | ')} |`);
    }
  }
  return lines;
}

function ratiosTable(results: ScenarioResult[]): string[] {
  const others = Object.keys(results[0]?.sides ?? {}).filter(
    (side) => side !== 'floor' && side !== 'service',
  );
  const lines = [
    `| Scenario | CPU-efficiency (floor ÷ service µs/req) | Target | req/s service ÷ floor | p99 service ÷ floor |${others.map((label) => ` CPU service ÷ ${label} |`).join('')}`,
    `|---|---:|---|---:|---:|${others.map(() => '---:|').join('')}`,
  ];
  for (const { name, sides, target } of results) {
    const { floor, service } = sides;
    const efficiency = ratio(floor, service, 'cpuUs');
    const p99 = ratio(service, floor, 'p99Ms');
    const goal = !target
      ? ''
      : `≥ ${percent(target.cpuEfficiency)}${target.p99Ratio ? `, p99 ≤ ${target.p99Ratio}×` : ''}: ${verdict(efficiency >= target.cpuEfficiency && p99 <= (target.p99Ratio ?? Infinity))}`;
    const row = [name, percent(efficiency), goal];
    row.push(percent(ratio(service, floor, 'rps')), `${fixed(p99, 2)}×`);
    row.push(
      ...others.map((o) => `${fixed(ratio(service, sides[o], 'cpuUs'), 2)}×`),
    );
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines;
}

function scaleTable(results: ScenarioResult[]): string[] {
  const lines = [
    `| Scenario | p99 ms, 10k rows | p99 ms, 1M rows | Growth of the medians (≤ ${SCALE_GROWTH_LIMIT}×) |`,
    '|---|---:|---:|---|',
  ];
  for (const { name, sides } of results) {
    const growth = ratio(sides['1M'], sides['10k'], 'p99Ms');
    const [small, large] = [
      shown(sides['10k'].p99Ms, 2),
      shown(sides['1M'].p99Ms, 2),
    ];
    const met = verdict(growth <= SCALE_GROWTH_LIMIT);
    lines.push(
      `| ${name} | ${small} | ${large} | ${fixed(growth, 2)}×: ${met} |`,
    );
  }
  return lines;
}

const keyValues = (title: string, record: Record<string, string>) => [
  `| ${title} | |`,
  '|---|---|',
  ...Object.entries(record).map(([key, value]) => `| ${key} | ${value} |`),
  '',
];

export function renderMarkdown(report: BenchReport): string {
  const { emptyDatabaseMs, migratedDatabaseMs } = report.startup;
  return [
    `Run at ${report.runAt}. Each figure: the median of the rounds, (min–max) beside it.`,
    '',
    ...keyValues('Machine', report.machine),
    ...keyValues('Setting', report.settings),
    ...['### Per side', '', ...sidesTable(report.scenarios), ''],
    '### Service against the floor (same run, medians)',
    ...['', ...ratiosTable(report.scenarios), ''],
    `Start-up to the first HTTP answer: ${fixed(emptyDatabaseMs, 0)} ms on an empty database (migrations run), ${fixed(migratedDatabaseMs, 0)} ms on the migrated one.`,
    ...(report.scale
      ? ['', '### Flat cost: 10k against 1M rows (service only)', '']
      : []),
    ...(report.scale ? scaleTable(report.scale) : []),
  ].join('\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated block of docs/benchmarks.md, keeping the notes around it. */
export function writeMarkdown(file: string, body: string): void {
  const block = `${START}\n${body}\n${END}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const [start, end] = [current.indexOf(START), current.indexOf(END)];
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + block + current.slice(end + END.length)
      : `# Benchmarks\n\n${block}\n`;
  writeFileSync(file, next);
}
