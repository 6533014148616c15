/** What `npm run bench` measures, as data: the seeded cohorts of users and the scenarios run on them. */
import type { Cohort } from './data';

export type CohortName = 'main' | 'list50' | 'big' | 'miss' | 'probe' | 'scale';

/** User id ranges never overlap; `--users` and `--miss-users` size the two large cohorts. */
export const cohorts = (
  users: number,
  missUsers: number,
): Record<CohortName, Cohort> => ({
  main: { first: 1, users, sessions: 5 },
  list50: { first: 50_000_001, users: 1_000, sessions: 50 },
  big: { first: 99_999_999, users: 1, sessions: 1_000 },
  // the header check's user, so its requests change no measured user's data
  probe: { first: 99_999_998, users: 1, sessions: 5 },
  miss: { first: 100_000_001, users: missUsers, sessions: 1 },
  // --scale: the same 5,000 users in both databases, in the large one among 495,000 others
  scale: { first: 100, users: 5_000, step: 100, sessions: 2 },
});

export interface Scenario {
  name: string;
  title: string;
  /** bench/load.lua's BENCH_REQUESTS: `METHOD PATH`, `{title}` an existing title, `+title` a new one. */
  request: string;
  connections: number;
  cohort: CohortName;
  /** Fill every user's cache before the warm-up. */
  warm?: boolean;
  /** Empty the side's cache after the warm-up, so every measured request misses. */
  cold?: boolean;
  /** Measure each user of the cohort exactly once instead of `--duration` seconds. */
  once?: boolean;
  /** Issue 14's targets: floor µs/req ÷ service µs/req, and service p99 ÷ floor p99. */
  target?: { cpuEfficiency: number; p99Ratio?: number };
  /** Runs only when named in `--only`. */
  extra?: boolean;
}

const ACTIVE = 'GET /api/v1/sessions/active';
const LIST = 'GET /api/v1/sessions';
const ACTIVATE = 'POST /api/v1/sessions/active/{title}';
const CREATE = 'POST /api/v1/sessions +title';
const CREATE_IDEMPOTENT = 'POST /api/v1/sessions +title +key';

/** In this order: reads first, then the writes that change the users' sessions. */
// prettier-ignore
export const SCENARIOS: Scenario[] = [
  { name: 'hot-50', title: 'GET /sessions/active, warm', request: ACTIVE, connections: 50, cohort: 'main', warm: true, target: { cpuEfficiency: 0.7, p99Ratio: 2 } },
  { name: 'hot-1', title: 'GET /sessions/active, warm', request: ACTIVE, connections: 1, cohort: 'main', warm: true, extra: true },
  { name: 'hot-200', title: 'GET /sessions/active, warm', request: ACTIVE, connections: 200, cohort: 'main', warm: true, extra: true },
  { name: 'list-5', title: 'GET /sessions (5 sessions), warm', request: LIST, connections: 50, cohort: 'main', warm: true, target: { cpuEfficiency: 0.65 } },
  { name: 'list-50', title: 'GET /sessions (50 sessions), warm', request: LIST, connections: 50, cohort: 'list50', warm: true, target: { cpuEfficiency: 0.65 } },
  { name: 'list-1000', title: 'GET /sessions (1,000 sessions), warm', request: LIST, connections: 10, cohort: 'big', target: { cpuEfficiency: 0.85 } },
  { name: 'miss', title: 'GET /sessions/active, cache miss', request: ACTIVE, connections: 50, cohort: 'miss', cold: true, target: { cpuEfficiency: 0.75 } },
  { name: 'activate', title: 'POST /sessions/active/{title}', request: ACTIVATE, connections: 50, cohort: 'main', target: { cpuEfficiency: 0.75 } },
  { name: 'create', title: 'POST /sessions', request: CREATE, connections: 50, cohort: 'main', target: { cpuEfficiency: 0.75 } },
  { name: 'create-idem', title: 'POST /sessions with an Idempotency-Key', request: CREATE_IDEMPOTENT, connections: 50, cohort: 'main', extra: true },
];

/** `--scale`: the service on 10k rows against the service on 1M rows; p99 may grow 1.5× at most. */
// prettier-ignore
export const SCALE_SCENARIOS: Scenario[] = [
  { name: 'scale-hot', title: 'GET /sessions/active, warm', request: ACTIVE, connections: 10, cohort: 'scale', warm: true },
  { name: 'scale-miss', title: 'GET /sessions/active, cache miss', request: ACTIVE, connections: 10, cohort: 'scale', cold: true, once: true },
];
export const SCALE_GROWTH_LIMIT = 1.5;
