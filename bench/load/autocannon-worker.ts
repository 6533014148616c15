/**
 * The autocannon twin of rotate.lua, used when wrk is not installed. Same environment,
 * same BENCH_RESULT line. Usage: node autocannon-worker.js <url> <connections> <seconds>
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

const [url, connections, seconds] = process.argv.slice(2);
const mode = process.env.BENCH_MODE ?? 'active';
const sessions = Number(process.env.BENCH_SESSIONS ?? 5);
const prefix = process.env.BENCH_PREFIX ?? 'bench';
const limit = Number(process.env.BENCH_LIMIT ?? 0);
const tokens = readFileSync(process.env.BENCH_TOKENS!, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => `Bearer ${line.slice(line.indexOf(' ') + 1)}`);

let index = 0;
let wraps = 0;
let created = 0;
const nextToken = () => {
  if (index >= tokens.length) {
    index = 0;
    wraps++;
  }
  return tokens[index++];
};
const randomTitle = () => `s${1 + Math.floor(Math.random() * sessions)}`;

type Built = { method: 'GET' | 'POST'; path: string; body?: string };
const builders: Record<string, () => Built> = {
  active: () => ({ method: 'GET', path: '/api/v1/sessions/active' }),
  list: () => ({ method: 'GET', path: '/api/v1/sessions' }),
  create: () => ({
    method: 'POST',
    path: '/api/v1/sessions',
    body: JSON.stringify({ title: `${prefix}-${++created}` }),
  }),
  activate: () => ({
    method: 'POST',
    path: `/api/v1/sessions/active/${randomTitle()}`,
  }),
  mixed: () => {
    const roll = Math.random() * 100;
    if (roll < 80) return builders.active();
    if (roll < 90) return builders.list();
    if (roll < 97) return builders.activate();
    return builders.create();
  },
};
const build = builders[mode];

const instance = autocannon(
  {
    url,
    connections: Number(connections),
    duration: Number(seconds),
    amount: limit > 0 ? limit : undefined,
    requests: [
      {
        setupRequest: (request) => {
          const built = build();
          return {
            ...request,
            method: built.method,
            path: built.path,
            body: built.body,
            headers: {
              authorization: nextToken(),
              ...(built.body ? { 'content-type': 'application/json' } : {}),
            },
          };
        },
      },
    ],
  },
  (error, result) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    const ms = (value: number) => Math.round(value * 1000);
    console.log(
      `BENCH_RESULT ${JSON.stringify({
        requests: result.requests.total,
        durationUs: Math.round(result.duration * 1e6),
        p50Us: ms(result.latency.p50),
        p99Us: ms(result.latency.p99),
        p999Us: ms(result.latency.p99_9),
        meanUs: ms(result.latency.mean),
        maxUs: ms(result.latency.max),
        errors: {
          connect: result.errors,
          read: 0,
          write: 0,
          status: result.non2xx,
          timeout: result.timeouts,
        },
        tokenWraps: wraps,
      })}`,
    );
  },
);
process.once('SIGINT', () => instance.stop());
