import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server the e2e suites create their databases on (never the database itself). */
export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Refuses any database whose name does not say it is a test database. */
export function assertTestDatabase(name: string): void {
  if (!name.includes('test')) {
    throw new Error(
      `Refusing to run e2e tests against database "${name}": its name must contain "test"`,
    );
  }
}

async function onServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database for one suite; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `session_test_${randomBytes(5).toString('hex')}`;
  assertTestDatabase(name);
  await onServer((client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: withDatabase(TEST_POSTGRES_URL, name),
    drop: () =>
      onServer((client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      ).then(() => undefined),
  };
}

/** Runs SQL against a test database directly, outside the service. */
export async function queryDatabase<Row = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Row[];
  } finally {
    await client.end();
  }
}
