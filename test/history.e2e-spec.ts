import { randomUUID } from 'node:crypto';
import type { ApiClient, ApiResult } from './helpers/api-client';
import { sleep } from './helpers/free-port';
import { databaseViolations, expectInvariants } from './helpers/invariants';
import { RedisServer } from './helpers/redis-server';
import { describeWith } from './helpers/requirements';
import { useServiceInstances } from './helpers/service-process';
import {
  createTestDatabase,
  queryDatabase,
  TestDatabase,
} from './helpers/test-database';
import { type SeededRandom, seededRandom } from './helpers/random-workload';

jest.setTimeout(120_000);

type Outcome = 'ok' | 'failed' | 'indeterminate';
type Op = 'create' | 'activate' | 'remove' | 'deactivate' | 'active' | 'list';

interface Event {
  client: number;
  instance: number;
  op: Op;
  user: number;
  title?: string;
  status: number;
  outcome: Outcome;
  body: unknown;
  ms: number;
}

const EXPECTED: Record<Op, number[]> = {
  create: [201],
  activate: [200, 404],
  remove: [200, 400, 404],
  deactivate: [200, 404],
  active: [200, 404],
  list: [200],
};

const outcomeOf = (status: number): Outcome =>
  status >= 200 && status < 300
    ? 'ok'
    : status >= 400 && status < 500
      ? 'failed'
      : 'indeterminate';

/**
 * Checks a recorded history against the final database state: R1/R2, every
 * acknowledged create still there unless a delete of it may have happened, every
 * acknowledged delete gone, nothing present that was never (possibly) created, and
 * no read answered with an id that is not the caller's.
 */
function checkHistory(
  history: Event[],
  finalRows: Array<{ id: string; user_id: number; title: string }>,
) {
  const problems: string[] = [];
  const final = new Map(
    finalRows.map((row) => [`${row.user_id}/${row.title}`, row]),
  );
  const ownerOfId = new Map(finalRows.map((row) => [row.id, row.user_id]));
  const creates = new Map<string, Event>();
  const deletes = new Map<string, Event[]>();
  for (const event of history) {
    const key = `${event.user}/${event.title}`;
    if (event.op === 'create') {
      creates.set(key, event);
      if (event.outcome === 'ok') {
        ownerOfId.set((event.body as { id: string }).id, event.user);
      }
    }
    if (event.op === 'remove') {
      deletes.set(key, [...(deletes.get(key) ?? []), event]);
    }
  }
  for (const [key, create] of creates) {
    const mayBeDeleted = (deletes.get(key) ?? []).some(
      (d) => d.outcome !== 'failed',
    );
    const deleted = (deletes.get(key) ?? []).some((d) => d.outcome === 'ok');
    if (create.outcome === 'ok' && !mayBeDeleted && !final.has(key)) {
      problems.push(`acknowledged create of ${key} is lost`);
    }
    if (create.outcome === 'failed' && final.has(key)) {
      problems.push(`failed create of ${key} is present`);
    }
    if (deleted && final.has(key)) {
      problems.push(`acknowledged delete of ${key} did not take effect`);
    }
  }
  for (const key of final.keys()) {
    if (!creates.has(key)) {
      problems.push(`${key} exists but was never created`);
    }
  }
  for (const event of history) {
    if (event.op === 'active' && event.outcome === 'ok') {
      const owner = ownerOfId.get(event.body as string);
      if (owner !== undefined && owner !== event.user) {
        problems.push(
          `user ${event.user} was answered user ${owner}'s session`,
        );
      }
    }
    if (event.op === 'list' && event.outcome === 'ok') {
      for (const row of event.body as Array<{ user_id: number }>) {
        if (row.user_id !== event.user) {
          problems.push(
            `user ${event.user} was listed user ${row.user_id}'s session`,
          );
        }
      }
    }
  }
  return problems;
}

/**
 * Eight clients run random operations for user 1–3 on both instances for `durationMs`
 * while a nemesis freezes and resumes Redis; returns what each operation answered.
 */
async function recordHistory(
  clients: ApiClient[],
  redis: RedisServer,
  random: SeededRandom,
  users: number[],
  durationMs: number,
): Promise<{ history: Event[]; freezes: number }> {
  const { next, pick } = random;
  const titlesOf = new Map<number, string[]>(users.map((user) => [user, []]));
  const history: Event[] = [];
  let running = true;
  let freezes = 0;

  const nemesis = (async () => {
    while (running) {
      await sleep(400 + next() * 800);
      if (!running) break;
      redis.freeze();
      freezes += 1;
      await sleep(400 + next() * 1_200);
      redis.resume();
    }
  })();

  const client = async (id: number) => {
    let n = 0;
    while (running) {
      const instance = Math.floor(next() * clients.length);
      const api = clients[instance];
      const user = pick(users);
      const known = titlesOf.get(user)!;
      const op: Op =
        known.length === 0
          ? 'create'
          : pick([
              'create',
              'activate',
              'remove',
              'remove',
              'deactivate',
              'active',
              'active',
              'list',
            ] as const);
      let title: string | undefined;
      let result: ApiResult;
      if (op === 'create') {
        title = `c${id}-${(n += 1)}`;
        known.push(title);
        result = await api.create(user, title);
      } else if (op === 'activate' || op === 'remove') {
        title = pick(known);
        result = await (op === 'activate'
          ? api.activate(user, title)
          : api.remove(user, title));
      } else {
        result = await {
          deactivate: api.deactivate,
          active: api.active,
          list: api.list,
        }[op](user);
      }
      history.push({
        client: id,
        instance,
        op,
        user,
        title,
        status: result.status,
        outcome: outcomeOf(result.status),
        body: result.body,
        ms: result.ms,
      });
    }
  };

  const workers = Array.from({ length: 8 }, (_, id) => client(id));
  await sleep(durationMs);
  running = false;
  await Promise.all([...workers, nemesis]);
  redis.resume();
  return { history, freezes };
}

describeWith(
  ['redis-server'],
  'Randomized history against two instances while a nemesis freezes Redis',
  () => {
    const users = [1, 2, 3];
    const prefix = `test:history:${randomUUID().slice(0, 8)}:`;
    let database: TestDatabase;
    let redis: RedisServer;
    let history: Event[];
    let freezes: number;

    beforeAll(async () => {
      database = await createTestDatabase();
      redis = await RedisServer.start();
    });
    const { clients } = useServiceInstances(
      2,
      () => ({
        databaseUrl: database.url,
        redisUrl: redis.url,
        redisKeyPrefix: prefix,
      }),
      { clientTimeoutMs: 5_000 },
    );
    beforeAll(async () => {
      const seed = Number(process.env.HISTORY_SEED ?? Date.now() % 1_000_000);
      ({ history, freezes } = await recordHistory(
        clients,
        redis,
        seededRandom(seed),
        users,
        12_000,
      ));
      // Let fills and fence replays settle before the final state is read.
      await sleep(2_500);
      const counts = { ok: 0, failed: 0, indeterminate: 0 };
      history.forEach((event) => (counts[event.outcome] += 1));
      const latencies = history.map((event) => event.ms).sort((a, b) => a - b);
      console.log(
        `[figures] history (seed ${seed}): ${history.length} operations ${JSON.stringify(counts)}, ${freezes} Redis freezes, max ${latencies.at(-1)?.toFixed(0)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]?.toFixed(0)} ms`,
      );
    });
    afterAll(async () => {
      await redis?.close();
      await database?.drop();
    });

    it('ran over 100 operations through more than two Redis freezes', () => {
      expect(history.length).toBeGreaterThan(100);
      expect(freezes).toBeGreaterThan(2);
    });

    it('answered every operation with one of its expected statuses', () => {
      expect(
        history.filter((event) => !EXPECTED[event.op].includes(event.status)),
      ).toEqual([]);
    });

    it('kept acknowledged creates and deletes, and answered only the caller’s data', async () => {
      const finalRows = await queryDatabase<{
        id: string;
        user_id: number;
        title: string;
      }>(database.url, 'SELECT id, user_id, title FROM sessions');
      expect(checkHistory(history, finalRows)).toEqual([]);
    });

    it('keeps R1 and R2 in the database, and every instance agrees with it', async () => {
      await expect(databaseViolations(database.url)).resolves.toEqual({
        severalActive: [],
        duplicateTitles: [],
      });
      await expectInvariants(database.url, clients, users);
    });
  },
);
