/**
 * `npm run bench`: seeds its own database, starts the built service and the floor
 * (bench/floor) pinned to CPU 0, drives both from CPU 1 and writes
 * docs/benchmarks.md, docs/benchmarks.json and bench/results/latest.json.
 * See docs/benchmarks.md for the method and the flags.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuilt } from '../scripts/build-if-stale';
import {
  BIG_LIST_USER_ID,
  createDatabase,
  databaseUrl,
  deleteKeys,
  dropDatabase,
  MISS_COHORT_FIRST_ID,
  range,
  REDIS_URL,
  redisVersion,
  seedUsers,
  withClient,
  writeTokens,
} from './lib/data';
import {
  defaultLoadGenerator,
  errorCount,
  LoadGenerator,
  LoadMode,
  runLoad,
} from './lib/load';
import {
  canPin,
  cpuSeconds,
  freePort,
  RssSampler,
  Server,
  startServer,
  stopServer,
} from './lib/processes';
import {
  BenchResults,
  Measured,
  renderMarkdown,
  TargetCheck,
  writeMarkdown,
} from './lib/report';

const ROOT = join(__dirname, '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');

const { values: flags } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    sessions: { type: 'string', default: '5' },
    'miss-users': { type: 'string', default: '150000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '1' },
    only: { type: 'string' },
    scale: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'soak-seconds': { type: 'string', default: '300' },
    'load-generator': { type: 'string' },
    prof: { type: 'boolean', default: false },
    compare: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});

const USERS = Number(flags.users);
const SESSIONS = Number(flags.sessions);
const MISS_USERS = Number(flags['miss-users']);
const DURATION = Number(flags.duration);
const WARMUP = Number(flags.warmup);
const ONLY = flags.only?.split(',');
const ROUNDS = Number(flags.rounds);
const GENERATOR = (flags['load-generator'] ??
  defaultLoadGenerator()) as LoadGenerator;
const RUN_ID = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const DATABASE = `session_bench_${RUN_ID}`;
const KEY_PREFIX = `bench:${RUN_ID}:`;
const SECRET = randomBytes(24).toString('hex');

const log = (message: string) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

function packageVersion(name: string): string {
  return (
    JSON.parse(
      readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version: string }
  ).version;
}

function generatorVersion(): string {
  if (GENERATOR === 'autocannon') {
    return `autocannon ${packageVersion('autocannon')}`;
  }
  try {
    execFileSync('wrk', ['-v'], { stdio: 'pipe' });
  } catch (error) {
    const output = String((error as { stdout?: Buffer }).stdout ?? '');
    return output.split('\n')[0].replace(/ Copyright.*/, '');
  }
  return 'wrk';
}

interface Target {
  name: string;
  server: Server;
  prefix: string;
}

const tokenFiles = {
  main: join(RESULTS_DIR, `tokens-${RUN_ID}-main.txt`),
  miss: join(RESULTS_DIR, `tokens-${RUN_ID}-miss.txt`),
  big: join(RESULTS_DIR, `tokens-${RUN_ID}-big.txt`),
  flatSmall: join(RESULTS_DIR, `tokens-${RUN_ID}-flat-small.txt`),
  flatLarge: join(RESULTS_DIR, `tokens-${RUN_ID}-flat-large.txt`),
};

function serviceEnv(database: string, prefix: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl(database),
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    SECRET_KEY: SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
  };
}

async function startService(
  database: string,
  prefix: string,
  cpuProfile = false,
  main = join(ROOT, 'dist', 'main.js'),
): Promise<Server> {
  const probeToken = readFirstToken(tokenFiles.main);
  return startServer(
    'service',
    process.execPath,
    [
      ...(cpuProfile
        ? // written when the service exits: SIGTERM ends in process.exit(0)
          [
            '--cpu-prof',
            `--cpu-prof-dir=${RESULTS_DIR}`,
            `--cpu-prof-name=service-${RUN_ID}.cpuprofile`,
          ]
        : []),
      main,
    ],
    serviceEnv(database, prefix),
    await freePort(),
    '/api/v1/sessions/active',
    { authorization: `Bearer ${probeToken}` },
  );
}

async function startFloor(database: string, prefix: string): Promise<Server> {
  return startServer(
    'floor',
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(ROOT, 'bench', 'floor', 'floor.ts'),
    ],
    { ...serviceEnv(database, prefix), DB_POOL_SIZE: '10' },
    await freePort(),
    '/ready',
  );
}

function readFirstToken(file: string): string {
  const line = readFileSync(file, 'utf8').split('\n', 1)[0];
  return line.slice(line.indexOf(' ') + 1);
}

interface Scenario {
  id: string;
  title: string;
  mode: LoadMode;
  connections: number;
  tokens: string;
  sessionsPerUser: number;
  seconds?: number;
  /** Fills the cache for every user before the warm-up. */
  warmEveryUser?: number;
  /** Empties this target's cache after the warm-up, so the run starts cold. */
  emptyCacheAfterWarmup?: boolean;
}

async function measure(
  target: Target,
  scenario: Scenario,
  seconds: number,
  titlePrefix: string,
  limit?: number,
): Promise<Measured> {
  const cpuBefore = cpuSeconds(target.server.pid);
  const sampler = new RssSampler(target.server.pid);
  const result = await runLoad(GENERATOR, {
    port: target.server.port,
    mode: scenario.mode,
    connections: scenario.connections,
    seconds,
    tokensFile: scenario.tokens,
    sessionsPerUser: scenario.sessionsPerUser,
    titlePrefix,
    limit,
  });
  const { peakKb } = sampler.stop();
  const cpuUsed = cpuSeconds(target.server.pid) - cpuBefore;
  return {
    scenario: scenario.id,
    title: scenario.title,
    target: target.name,
    connections: scenario.connections,
    requests: result.requests,
    rps: result.requests / (result.durationUs / 1e6),
    p50Ms: result.p50Us / 1000,
    p99Ms: result.p99Us / 1000,
    p999Ms: result.p999Us / 1000,
    errors: errorCount(result),
    cpuUsPerRequest: (cpuUsed * 1e6) / Math.max(result.requests, 1),
    peakRssMb: peakKb / 1024,
    tokenWraps: result.tokenWraps,
  };
}

async function runScenario(
  target: Target,
  scenario: Scenario,
  round = 0,
): Promise<Measured> {
  // Every round starts the token rotation over: a title must name the round too.
  const titlePrefix = `${target.name}-${RUN_ID}-${scenario.id}-r${round}`;
  const load = {
    port: target.server.port,
    mode: scenario.mode,
    tokensFile: scenario.tokens,
    sessionsPerUser: scenario.sessionsPerUser,
  };
  if (scenario.warmEveryUser) {
    await runLoad(GENERATOR, {
      ...load,
      connections: 50,
      seconds: 120,
      limit: scenario.warmEveryUser,
    });
  }
  await runLoad(GENERATOR, {
    ...load,
    connections: scenario.connections,
    seconds: WARMUP,
    titlePrefix: `${titlePrefix}-warm`,
  });
  if (scenario.emptyCacheAfterWarmup) {
    await deleteKeys(target.prefix);
  }
  const measured = await measure(
    target,
    scenario,
    scenario.seconds ?? DURATION,
    titlePrefix,
  );
  log(
    `${scenario.id.padEnd(12)} ${target.name.padEnd(7)} ${measured.rps.toFixed(0).padStart(6)} req/s  p50 ${measured.p50Ms.toFixed(2)} ms  p99 ${measured.p99Ms.toFixed(2)} ms  errors ${measured.errors}  cpu ${measured.cpuUsPerRequest.toFixed(1)} µs/req  rss ${measured.peakRssMb.toFixed(0)} MB`,
  );
  return measured;
}

async function seedMain(): Promise<void> {
  await withClient(databaseUrl(DATABASE), async (client) => {
    await seedUsers(client, 1, USERS, SESSIONS);
    await seedUsers(client, MISS_COHORT_FIRST_ID, MISS_USERS, 1);
    await seedUsers(client, BIG_LIST_USER_ID, 1, 1000);
    await client.query('VACUUM ANALYZE "sessions"');
  });
}

async function flatCosts(): Promise<BenchResults['flat']> {
  const database = `${DATABASE}_flat`;
  const prefix = `${KEY_PREFIX}flat:`;
  const sample = 5_000;
  const connections = 10;
  await createDatabase(database);
  const migrating = await startService(database, prefix);
  await stopServer(migrating);
  writeTokens(tokenFiles.flatSmall, range(1, sample), SECRET);
  // the same number of users, spread over the whole large table
  writeTokens(tokenFiles.flatLarge, range(100, sample, 100), SECRET);
  const rows: Record<string, number> = {};
  const p99Ms: Record<string, Record<string, number>> = {};
  const phases = [
    { name: '10k', users: sample, tokens: tokenFiles.flatSmall },
    { name: '1M', users: 500_000, tokens: tokenFiles.flatLarge },
  ];
  let seeded = 0;
  try {
    for (const phase of phases) {
      const started = Date.now();
      await withClient(databaseUrl(database), async (client) => {
        await seedUsers(client, seeded + 1, phase.users - seeded, 2);
        await client.query('VACUUM ANALYZE "sessions"');
        const { rows: counted } = await client.query<{ count: string }>(
          'SELECT count(*) FROM "sessions"',
        );
        rows[phase.name] = Number(counted[0].count);
      });
      seeded = phase.users;
      log(
        `flat costs: ${rows[phase.name]} rows seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      const server = await startService(database, prefix);
      const target: Target = { name: 'service', server, prefix };
      const base = {
        connections,
        tokens: phase.tokens,
        sessionsPerUser: 2,
      };
      const hot: Scenario = {
        ...base,
        id: 'hot',
        title: 'hot',
        mode: 'active',
        seconds: 5,
        warmEveryUser: sample,
      };
      const miss: Scenario = {
        ...base,
        id: 'miss',
        title: 'miss',
        mode: 'active',
        emptyCacheAfterWarmup: true,
      };
      const activate: Scenario = {
        ...base,
        id: 'activate',
        title: 'activate',
        mode: 'activate',
        seconds: 5,
      };
      p99Ms[phase.name] = {};
      p99Ms[phase.name]['GET /sessions/active (hit)'] = (
        await runScenario(target, hot)
      ).p99Ms;
      await runLoad(GENERATOR, {
        port: server.port,
        mode: 'active',
        connections,
        seconds: WARMUP,
        tokensFile: phase.tokens,
        sessionsPerUser: 2,
      });
      await deleteKeys(prefix);
      // each sampled user exactly once after the flush: every request is a miss
      const missed = await measure(target, miss, 60, 'miss', sample);
      log(
        `flat ${phase.name} miss p99 ${missed.p99Ms.toFixed(2)} ms (${missed.requests} requests)`,
      );
      p99Ms[phase.name]['GET /sessions/active (miss)'] = missed.p99Ms;
      p99Ms[phase.name]['POST /sessions/active/{title}'] = (
        await runScenario(target, activate)
      ).p99Ms;
      await stopServer(server);
    }
  } finally {
    await dropDatabase(database);
    await deleteKeys(prefix);
  }
  return { connections, rows, p99Ms };
}

async function soak(server: Server): Promise<BenchResults['soak']> {
  const seconds = Number(flags['soak-seconds']);
  const sampler = new RssSampler(server.pid, 1_000);
  const result = await runLoad(GENERATOR, {
    port: server.port,
    mode: 'mixed',
    connections: 50,
    seconds,
    tokensFile: tokenFiles.main,
    sessionsPerUser: SESSIONS,
    titlePrefix: `soak-${RUN_ID}`,
  });
  sampler.stop();
  // RSS saws up and down by ±10% with every major collection: compare the median of
  // the second minute with the median of the last one, not two single samples.
  const medianMb = (fromMs: number, toMs: number) => {
    const window = sampler.samples
      .filter((sample) => sample.atMs >= fromMs && sample.atMs <= toMs)
      .map((sample) => sample.kb)
      .sort((a, b) => a - b);
    return window.length > 0 ? window[window.length >> 1] / 1024 : 0;
  };
  const lastMs = sampler.samples[sampler.samples.length - 1].atMs;
  const first = medianMb(60_000, 120_000);
  const end = medianMb(lastMs - 60_000, lastMs);
  writeFileSync(
    join(RESULTS_DIR, 'soak-rss.json'),
    JSON.stringify(sampler.samples),
  );
  return {
    seconds,
    rssAfterFirstMinuteMb: first,
    rssAtEndMb: end,
    growth: end / first - 1,
    requests: result.requests,
    errors: errorCount(result),
  };
}

function ratioChecks(
  results: Measured[],
): [BenchResults['ratios'], TargetCheck[]] {
  const find = (scenario: string, target: string) =>
    results.find((r) => r.scenario === scenario && r.target === target);
  const pairs: [string, string][] = [
    ['hot-50', 'hot-50'],
    ['hot-1', 'hot-1'],
    ['hot-200', 'hot-200'],
    ['miss-50', 'miss-50'],
    ['list-50', 'list-50'],
    ['big-list-10', 'big-list-10'],
    ['create-50', 'create-50'],
    ['activate-50', 'activate-50'],
    ['activate-50', 'create-50'],
  ];
  const ratios: BenchResults['ratios'] = [];
  for (const [scenario, floorScenario] of pairs) {
    const service = find(scenario, 'service');
    const floor = find(floorScenario, 'floor');
    if (service && floor) {
      ratios.push({
        scenario,
        floorScenario: `floor ${floorScenario}`,
        rpsRatio: service.rps / floor.rps,
        p99Ratio: service.p99Ms / floor.p99Ms,
        cpuRatio: floor.cpuUsPerRequest / service.cpuUsPerRequest,
      });
    }
  }
  const ratio = (scenario: string, floorScenario = scenario) =>
    ratios.find(
      (r) =>
        r.scenario === scenario && r.floorScenario === `floor ${floorScenario}`,
    );
  const checks: TargetCheck[] = [];
  const hot = ratio('hot-50');
  const hotService = find('hot-50', 'service');
  checks.push({
    name: 'Hot path, 50 connections',
    goal: '≥ 60% of floor req/s, p99 ≤ 3× floor, 0 errors',
    measured: hot
      ? `${(hot.rpsRatio * 100).toFixed(0)}%, p99 ${hot.p99Ratio.toFixed(2)}×, ${hotService!.errors} errors`
      : 'not run',
    met: hot
      ? hot.rpsRatio >= 0.6 && hot.p99Ratio <= 3 && hotService!.errors === 0
      : null,
  });
  for (const [name, scenario, floorScenario] of [
    ['Miss path', 'miss-50', 'miss-50'],
    ['GET /sessions', 'list-50', 'list-50'],
    ['POST /sessions', 'create-50', 'create-50'],
    ['Activation', 'activate-50', 'create-50'],
  ]) {
    const found = ratio(scenario, floorScenario);
    checks.push({
      name,
      goal: `≥ 70% of floor ${floorScenario} req/s`,
      measured: found ? `${(found.rpsRatio * 100).toFixed(0)}%` : 'not run',
      met: found ? found.rpsRatio >= 0.7 : null,
    });
  }
  const big = find('big-list-10', 'service');
  checks.push({
    name: 'GET /sessions, user with 1,000 sessions, 10 connections',
    goal: 'p99 < 20 ms',
    measured: big ? `p99 ${big.p99Ms.toFixed(2)} ms` : 'not run',
    met: big ? big.p99Ms < 20 : null,
  });
  return [ratios, checks];
}

function readPrevious(): BenchResults | undefined {
  const file = join(ROOT, 'docs', 'benchmarks.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  ensureBuilt(log);
  log(
    `load generator ${GENERATOR}, ${canPin ? 'server on CPU 0, load on CPU 1' : 'taskset missing: unpinned'}, database ${DATABASE}, key prefix ${KEY_PREFIX}`,
  );
  const serviceprefix = `${KEY_PREFIX}svc:`;
  const floorPrefix = `${KEY_PREFIX}floor:`;
  const loadBefore = loadavg()[0];
  const results: Measured[] = [];
  const allRounds: Measured[] = [];
  let startup = {
    freshDatabaseMs: NaN,
    migratedDatabaseMs: NaN,
    freshDatabaseCpuMs: NaN,
    migratedDatabaseCpuMs: NaN,
  };
  let soakResult: BenchResults['soak'];
  let flat: BenchResults['flat'];
  let postgresVersion = 'unknown';
  const servers: Server[] = [];
  const interrupted = async () => {
    await Promise.all(servers.map(stopServer));
    await dropDatabase(DATABASE);
    await dropDatabase(`${DATABASE}_flat`);
    await deleteKeys(KEY_PREFIX);
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());
  process.once('SIGTERM', () => void interrupted());

  try {
    await createDatabase(DATABASE);
    writeTokens(tokenFiles.main, range(1, USERS), SECRET);
    writeTokens(
      tokenFiles.miss,
      range(MISS_COHORT_FIRST_ID, MISS_USERS),
      SECRET,
    );
    writeTokens(tokenFiles.big, [BIG_LIST_USER_ID], SECRET);

    const fresh = await startService(DATABASE, serviceprefix);
    startup.freshDatabaseMs = fresh.readyMs;
    startup.freshDatabaseCpuMs = fresh.readyCpuMs;
    await stopServer(fresh);
    const seedStarted = Date.now();
    await seedMain();
    postgresVersion = await withClient(databaseUrl(DATABASE), async (c) => {
      const { rows } = await c.query<{ v: string }>(
        "SELECT current_setting('server_version') AS v",
      );
      return rows[0].v;
    });
    log(
      `seeded ${USERS} users × ${SESSIONS} sessions, a miss cohort of ${MISS_USERS} users and one user with 1,000 sessions in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`,
    );

    const service = await startService(DATABASE, serviceprefix, flags.prof);
    servers.push(service);
    startup = {
      ...startup,
      migratedDatabaseMs: service.readyMs,
      migratedDatabaseCpuMs: service.readyCpuMs,
    };
    const floor = await startFloor(DATABASE, floorPrefix);
    servers.push(floor);
    log(
      `service ready in ${startup.migratedDatabaseMs.toFixed(0)} ms (${startup.freshDatabaseMs.toFixed(0)} ms with migrations on an empty database)`,
    );
    const targets: Target[] = [
      { name: 'floor', server: floor, prefix: floorPrefix },
      { name: 'service', server: service, prefix: serviceprefix },
    ];
    // --compare before=path/to/dist/main.js,...: other builds of the service, measured
    // in the same run for before/after figures (reported, never used for the ratios)
    for (const entry of flags.compare?.split(',') ?? []) {
      const [label, main] = entry.split('=');
      const prefix = `${KEY_PREFIX}${label}:`;
      const server = await startService(DATABASE, prefix, false, main);
      servers.push(server);
      targets.push({ name: `service@${label}`, server, prefix });
    }

    const main = {
      tokens: tokenFiles.main,
      sessionsPerUser: SESSIONS,
    };
    const scenarios: Scenario[] = [
      {
        ...main,
        id: 'hot-50',
        title: 'GET /sessions/active, cache warm',
        mode: 'active',
        connections: 50,
        warmEveryUser: USERS,
      },
      {
        ...main,
        id: 'hot-1',
        title: 'GET /sessions/active, cache warm',
        mode: 'active',
        connections: 1,
      },
      {
        ...main,
        id: 'hot-200',
        title: 'GET /sessions/active, cache warm',
        mode: 'active',
        connections: 200,
      },
      {
        id: 'miss-50',
        title: 'GET /sessions/active, cache miss',
        mode: 'active',
        connections: 50,
        tokens: tokenFiles.miss,
        sessionsPerUser: 1,
        emptyCacheAfterWarmup: true,
      },
      {
        ...main,
        id: 'list-50',
        title: 'GET /sessions (5 sessions), cache warm',
        mode: 'list',
        connections: 50,
        warmEveryUser: USERS,
      },
      {
        id: 'big-list-10',
        title: 'GET /sessions (1,000 sessions), cache warm',
        mode: 'list',
        connections: 10,
        tokens: tokenFiles.big,
        sessionsPerUser: 1000,
      },
      {
        ...main,
        id: 'activate-50',
        title: 'POST /sessions/active/{title}',
        mode: 'activate',
        connections: 50,
      },
      {
        ...main,
        id: 'create-50',
        title: 'POST /sessions',
        mode: 'create',
        connections: 50,
      },
    ];
    for (const scenario of scenarios) {
      if (ONLY && !ONLY.includes(scenario.id)) {
        continue;
      }
      // Rounds alternate floor and service; the best round of each is kept, since
      // noise from other work on the machine only ever slows a round down.
      const best = new Map<string, Measured>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const target of targets) {
          const measured = await runScenario(target, scenario, round);
          allRounds.push(measured);
          if (scenario.emptyCacheAfterWarmup && measured.tokenWraps > 0) {
            log(
              `warning: ${scenario.id} used more requests than the ${MISS_USERS}-user miss cohort; raise --miss-users`,
            );
          }
          if ((best.get(target.name)?.rps ?? -1) < measured.rps) {
            best.set(target.name, measured);
          }
        }
      }
      results.push(...best.values());
    }

    if (flags.soak) {
      log(`soak: ${flags['soak-seconds']} s of mixed load on the service`);
      soakResult = await soak(service);
      log(
        `soak: RSS ${soakResult!.rssAfterFirstMinuteMb.toFixed(1)} MB (median, 2nd minute), ${soakResult!.rssAtEndMb.toFixed(1)} MB (median, last minute)`,
      );
    }
    await Promise.all(servers.map(stopServer));
    servers.length = 0;

    if (flags.scale) {
      flat = await flatCosts();
    }
  } finally {
    await Promise.all(servers.map(stopServer));
    await dropDatabase(DATABASE);
    const deleted = await deleteKeys(KEY_PREFIX);
    log(`dropped ${DATABASE}, deleted ${deleted} keys under ${KEY_PREFIX}`);
  }

  // --scale and --soak take minutes: a run without them carries the last recorded ones
  const previous = readPrevious();
  if (!flat && previous?.flat) {
    flat = {
      ...previous.flat,
      recordedAt: previous.flat.recordedAt ?? previous.runAt,
    };
  }
  if (!soakResult && previous?.soak) {
    soakResult = {
      ...previous.soak,
      recordedAt: previous.soak.recordedAt ?? previous.runAt,
    };
  }
  const [ratios, targets] = ratioChecks(results);
  if (flat) {
    for (const [scenario, small] of Object.entries(flat.p99Ms['10k'])) {
      const large = flat.p99Ms['1M'][scenario];
      targets.push({
        name: `Flat cost: ${scenario}`,
        goal: 'p99 at 1M rows ≤ 1.5× p99 at 10k rows',
        measured: `${small.toFixed(2)} → ${large.toFixed(2)} ms (${(large / small).toFixed(2)}×)`,
        met: large <= small * 1.5,
      });
    }
  } else {
    targets.push({
      name: 'Flat costs (10k vs 1M rows)',
      goal: 'p99 within 1.5×',
      measured: 'run with --scale',
      met: null,
    });
  }
  targets.push({
    name: 'No leak',
    goal: 'RSS after 5 min of mixed load within 10% of RSS after 1 min',
    measured: soakResult
      ? `${soakResult.rssAfterFirstMinuteMb.toFixed(1)} → ${soakResult.rssAtEndMb.toFixed(1)} MB`
      : 'run with --soak',
    // a leak only grows: RSS that shrinks after the first minute meets the goal
    met: soakResult ? soakResult.growth <= 0.1 : null,
  });
  targets.push({
    name: 'Start-up to ready',
    goal: '< 3 s with real PostgreSQL and Redis',
    measured: `${startup.freshDatabaseMs.toFixed(0)} ms (empty database), ${startup.migratedDatabaseMs.toFixed(0)} ms (migrated); CPU used ${startup.freshDatabaseCpuMs.toFixed(0)} / ${startup.migratedDatabaseCpuMs.toFixed(0)} ms`,
    met: Math.max(startup.freshDatabaseMs, startup.migratedDatabaseMs) < 3000,
  });

  const report: BenchResults = {
    runAt: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      kernel: release(),
      'load average before the run': loadBefore.toFixed(2),
      node: process.version,
      postgresql: postgresVersion,
      redis: await redisVersion(),
      'load generator': generatorVersion(),
      pinning: canPin
        ? 'taskset: server on CPU 0, load generator on CPU 1'
        : 'none (taskset missing)',
      '@nestjs/core': packageVersion('@nestjs/core'),
      fastify: packageVersion('fastify'),
      typeorm: packageVersion('typeorm'),
      ioredis: packageVersion('ioredis'),
      pg: packageVersion('pg'),
    },
    settings: {
      users: USERS,
      'sessions per user': SESSIONS,
      'miss cohort users': MISS_USERS,
      'seconds per scenario': DURATION,
      'warm-up seconds': WARMUP,
      'rounds (best kept)': ROUNDS,
      'service env':
        'NODE_ENV=production RATE_LIMIT_PER_MINUTE=0 LOG_LEVEL=warn, default pool (10)',
    },
    startup,
    results,
    rounds: allRounds,
    ratios,
    flat,
    soak: soakResult,
    targets,
  };
  const markdown = renderMarkdown(report);
  console.log(`\n${markdown}\n`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(RESULTS_DIR, 'latest.json'), json);
  if (!flags['no-write']) {
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    writeMarkdown(join(ROOT, 'docs', 'benchmarks.md'), markdown);
    copyFileSync(
      join(RESULTS_DIR, 'latest.json'),
      join(ROOT, 'docs', 'benchmarks.json'),
    );
  }
  for (const file of Object.values(tokenFiles)) {
    rmSync(file, { force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
