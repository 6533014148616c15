/**
 * `npm run bench`: seeds its own database, starts the built service and the floor
 * (bench/floor) pinned to CPU 0, checks that both answer with the same headers, drives
 * them with wrk from CPU 1 in alternating rounds and reports medians and spreads.
 * Method and flags: docs/benchmarks.md.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuilt } from '../scripts/build-if-stale';
import { VERIFIED_TOKEN_CACHE_SIZE } from '../src/auth/verified-token-cache';
import * as data from './data';
import { headerDifferences } from './headers';
import { runLoad, wrkVersion } from './load';
import {
  BenchReport,
  renderMarkdown,
  Round,
  ScenarioResult,
  summarise,
  writeMarkdown,
} from './report';
import {
  CohortName,
  cohorts,
  SCALE_SCENARIOS,
  Scenario,
  SCENARIOS,
} from './scenarios';
import { buildFloor, canPin, cpuSeconds, Side, startSide } from './sides';

const ROOT = join(__dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const text = (value: string) => ({ type: 'string', default: value }) as const;
const flag = { type: 'boolean', default: false } as const;
const { values: flags } = parseArgs({
  options: {
    users: text('10000'),
    'miss-users': text('150000'),
    duration: text('10'),
    warmup: text('3'),
    rounds: text('3'),
    only: text(''),
    'rate-limit': text('0'),
    compare: text(''),
    tracing: flag,
    scale: flag,
    prof: flag,
    'no-write': flag,
  },
});

const DURATION = Number(flags.duration);
const WARMUP = Number(flags.warmup);
const ROUNDS = Number(flags.rounds);
const COHORTS = cohorts(Number(flags.users), Number(flags['miss-users']));
const RUN_ID = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const DATABASE = `session_bench_${RUN_ID}`;
const KEY_PREFIX = `bench:${RUN_ID}:`;
const SECRET = randomBytes(24).toString('hex');
/** --compare before=DIR,...: built checkouts of the service, measured as more sides. */
const COMPARED: Array<{ label: string; main: string; traced?: true }> = [
  ...flags.compare
    .split(',')
    .filter(Boolean)
    .map((entry) => entry.split('='))
    .map(([label, dir]) => ({
      label,
      main: join(resolve(dir), 'dist', 'main.js'),
    })),
  // --tracing: this checkout again, with OpenTelemetry on, exporting every span
  ...(flags.tracing
    ? [
        {
          label: 'tracing',
          main: join(ROOT, 'dist', 'main.js'),
          traced: true as const,
        },
      ]
    : []),
];

/** Where a traced side exports: a local OTLP/HTTP receiver that accepts and drops. */
async function startOtlpSink(): Promise<{ url: string; close: () => void }> {
  const server = createServer((request, response) => {
    request.resume().on('end', () => response.writeHead(200).end('{}'));
  });
  await new Promise<void>((listening) =>
    server.listen(0, '127.0.0.1', listening),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
let otlpSink: { url: string; close: () => void } | undefined;

const log = (message: string) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const tokenFile = (cohort: string) =>
  join(RESULTS, `tokens-${RUN_ID}-${cohort}.txt`);

/** What runs or exists now, for the clean-up (also on Ctrl-C). */
const running: Side[] = [];
const databases: string[] = [];

async function createDatabase(name: string): Promise<string> {
  databases.push(name);
  await data.createDatabase(name);
  return name;
}

/** Both sides read the same environment (the floor through buildConfiguration). */
async function start(
  name: string,
  database: string,
  script: string,
  traced = false,
) {
  const prefix = `${KEY_PREFIX}${name}:`;
  const profile = `--cpu-prof-name=${name}-${RUN_ID}.cpuprofile`;
  // --prof: a V8 CPU profile of the main sides, written when they exit
  const profiled = flags.prof && ['service', 'floor'].includes(name);
  const side = await startSide({
    name,
    prefix,
    script,
    cwd: join(script, '..', '..'), // the checkout of dist/main.js
    nodeArgs: profiled
      ? ['--cpu-prof', `--cpu-prof-dir=${RESULTS}`, profile]
      : [],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      SECRET_KEY: SECRET,
      DATABASE_URL: data.databaseUrl(database),
      REDIS_URL: data.REDIS_URL,
      RATE_LIMIT_PER_MINUTE: flags['rate-limit'],
      ...(traced ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlpSink!.url } : {}),
    },
  });
  running.push(side);
  return side;
}

const stopAll = () =>
  Promise.all(running.splice(0).map((side) => side.stop('SIGTERM')));

/** Stops every side, drops the databases, deletes the keys and the token files. */
async function cleanUp(): Promise<void> {
  await stopAll();
  otlpSink?.close();
  for (const database of databases.splice(0)) {
    await data.dropDatabase(database);
  }
  log(`deleted ${await data.deleteKeys(KEY_PREFIX)} keys under ${KEY_PREFIX}`);
  Object.keys(COHORTS).forEach((name) =>
    rmSync(tokenFile(name), { force: true }),
  );
}

/** Fill (`warm`), warm-up, empty the cache (`cold`), then the measured window. */
async function runRound(side: Side, scenario: Scenario, round: number) {
  const cohort = COHORTS[scenario.cohort];
  const { request: requests, connections, once } = scenario;
  const titlePrefix = `${side.name}-${RUN_ID}-${scenario.name}-r${round}`;
  const tokensFile = tokenFile(scenario.cohort);
  const load = {
    port: side.port,
    requests,
    tokensFile,
    sessions: cohort.sessions,
  };
  if (scenario.warm) {
    const fill = { connections: 50, seconds: 120, limit: cohort.users };
    await runLoad({ ...load, ...fill, titlePrefix: `${titlePrefix}-fill` });
  }
  const warmUp = { connections, seconds: WARMUP };
  await runLoad({ ...load, ...warmUp, titlePrefix: `${titlePrefix}-warm` });
  if (scenario.cold) {
    await data.deleteKeys(side.prefix);
  }
  const cpuBefore = cpuSeconds(side.pid);
  const measured = await runLoad({
    ...load,
    connections,
    titlePrefix,
    ...(once ? { seconds: 120, limit: cohort.users } : { seconds: DURATION }),
  });
  const cpu = cpuSeconds(side.pid) - cpuBefore;
  const { requests: count, errors, tokenWraps } = measured;
  const result: Round = {
    requests: count,
    errors,
    tokenWraps,
    rps: count / (measured.durationUs / 1e6),
    p99Ms: measured.p99Us / 1000,
    cpuUs: (cpu * 1e6) / Math.max(count, 1),
  };
  const { cpuUs, rps, p99Ms } = result;
  log(
    `${scenario.name} r${round} ${side.name}: ${cpuUs.toFixed(1)} µs/req, ${rps.toFixed(0)} req/s, p99 ${p99Ms.toFixed(2)} ms, ${errors} errors`,
  );
  if (scenario.cold && !once && tokenWraps > 0) {
    log(`warning: ${scenario.name} ran out of users; raise --miss-users`);
  }
  return result;
}

/** Round 1 of a scenario on every side in turn, then round 2, …: medians per side. */
async function measureAll(scenarios: Scenario[], sides: Side[]) {
  const results: ScenarioResult[] = [];
  for (const { name, title, connections, target, ...scenario } of scenarios) {
    const rounds = sides.map((): Round[] => []);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, side] of sides.entries()) {
        const spec = { name, title, connections, ...scenario };
        rounds[i].push(await runRound(side, spec, round));
      }
    }
    const bySide = sides.map((side, i) => [side.name, summarise(rounds[i])]);
    const sidesResult = Object.fromEntries(bySide) as ScenarioResult['sides'];
    results.push({ name, title, connections, target, sides: sidesResult });
  }
  return results;
}

/** The floor must answer with the service's headers, or the run fails; other builds warn. */
async function checkHeaders(sides: Side[], scenarios: Scenario[]) {
  const [floor, service, ...compared] = sides;
  const probe = readFileSync(tokenFile('probe'), 'utf8').split(/[ \n]/)[1];
  const routes = [...new Set(scenarios.map((scenario) => scenario.request))];
  for (const other of [floor, ...compared]) {
    const found = await headerDifferences(service, other, routes, probe);
    const diff = `${other.name}'s headers differ from the service's:\n${found.join('\n')}`;
    if (found.length > 0 && other === floor) {
      throw new Error(diff);
    }
    log(
      found.length > 0
        ? `warning: ${diff}`
        : `headers: ${other.name} = service`,
    );
  }
}

/** The service on the same 5,000 users among 10k rows and among 1M rows, alternating. */
async function scale(): Promise<ScenarioResult[]> {
  const small = await createDatabase(`${DATABASE}_10k`);
  const large = await createDatabase(`${DATABASE}_1m`);
  const main = join(ROOT, 'dist', 'main.js');
  const sides = [
    await start('10k', small, main),
    await start('1M', large, main),
  ];
  await data.seed(small, [COHORTS.scale]);
  await data.seed(large, [{ first: 1, users: 500_000, sessions: 2 }]);
  log('--scale: seeded 10,000 and 1,000,000 rows');
  return measureAll(SCALE_SCENARIOS, sides);
}

/** What ran where, recorded beside the figures. */
async function describeRun(
  generator: string,
  loadBefore: number,
  seeded: CohortName[],
) {
  const version = (name: string) =>
    (
      JSON.parse(
        readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string }
    ).version;
  const packages = ['@nestjs/core', 'fastify', 'typeorm', 'ioredis', 'pg'];
  const machine = {
    cpu: cpus()[0]?.model ?? '?',
    cores: String(cpus().length),
    kernel: release(),
    'load average before the run': loadBefore.toFixed(2),
    node: process.version,
    ...(await data.serverVersions()),
    'load generator': `${generator}, one thread`,
    pinning: canPin ? 'sides on CPU 0, wrk on CPU 1 (taskset)' : 'none',
    ...Object.fromEntries(packages.map((name) => [name, version(name)])),
  };
  const sides = ['floor', 'service', ...COMPARED.map(({ label }) => label)];
  const limit = flags['rate-limit'];
  const settings = {
    rounds: `${ROUNDS}, alternating ${sides.join(', ')}`,
    'seconds per round': `${DURATION} measured, after ${WARMUP} of warm-up`,
    'users × sessions': seeded
      .map(
        (name) => `${name} ${COHORTS[name].users} × ${COHORTS[name].sessions}`,
      )
      .join(', '),
    'rate limit': limit === '0' ? 'off on both sides' : `${limit}/min, both`,
    'token verification': `both sides cache verified tokens (VerifiedTokenCache, ${VERIFIED_TOKEN_CACHE_SIZE} entries)`,
    service: 'NODE_ENV=production LOG_LEVEL=warn, default pool (10)',
  };
  return { machine, settings };
}

/** Start-up times, then every scenario on every side, then --scale. */
async function measureRun(
  scenarios: Scenario[],
  seeded: CohortName[],
  floorScript: string,
) {
  await createDatabase(DATABASE);
  const main = join(ROOT, 'dist', 'main.js');
  const emptyDatabaseMs = (await start('service', DATABASE, main)).readyMs!;
  await stopAll();
  await data.seed(
    DATABASE,
    seeded.map((name) => COHORTS[name]),
  );
  log(`seeded the cohorts ${seeded.join(', ')}`);
  const floor = await start('floor', DATABASE, floorScript);
  const service = await start('service', DATABASE, main);
  const sides = [floor, service];
  if (COMPARED.some((side) => side.traced)) {
    otlpSink ??= await startOtlpSink();
  }
  for (const { label, main: compared, traced } of COMPARED) {
    sides.push(await start(label, DATABASE, compared, traced));
  }
  await checkHeaders(sides, scenarios);
  const results = await measureAll(scenarios, sides);
  await stopAll();
  return {
    startup: { emptyDatabaseMs, migratedDatabaseMs: service.readyMs! },
    scenarios: results,
    scale: flags.scale ? await scale() : undefined,
  };
}

async function main(): Promise<void> {
  if (ROUNDS < 3 && !flags['no-write']) {
    throw new Error('a recorded run needs --rounds 3 or more (or --no-write)');
  }
  const generator = wrkVersion();
  ensureBuilt(log);
  mkdirSync(RESULTS, { recursive: true });
  const only = flags.only.split(',');
  const scenarios = SCENARIOS.filter((s) =>
    flags.only ? only.includes(s.name) : !s.extra,
  );
  const floorScript = buildFloor(join(RESULTS, 'floor'));
  const loadBefore = loadavg()[0];
  const seeded = [...new Set(scenarios.map((s) => s.cohort))];
  const toSeed: CohortName[] = ['probe', ...seeded];
  for (const name of flags.scale ? [...toSeed, 'scale' as const] : toSeed) {
    data.writeTokens(tokenFile(name), COHORTS[name], SECRET);
  }
  log(`${generator}; database ${DATABASE}, keys under ${KEY_PREFIX}`);
  const measured = await measureRun(scenarios, toSeed, floorScript).finally(
    cleanUp,
  );
  const report: BenchReport = {
    runAt: new Date().toISOString(),
    ...(await describeRun(generator, loadBefore, toSeed)),
    ...measured,
  };
  const markdown = renderMarkdown(report);
  console.log(`\n${markdown}\n`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(RESULTS, 'latest.json'), json);
  if (!flags['no-write']) {
    writeMarkdown(join(ROOT, 'docs', 'benchmarks.md'), markdown);
    writeFileSync(join(ROOT, 'docs', 'benchmarks.json'), json);
  }
}

const interrupted = () => void cleanUp().finally(() => process.exit(130));
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
