import { connect } from 'node:net';

export { freePort } from '../../src/common/free-port';

export const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WaitForOptions {
  /** How long to sleep between two checks. */
  intervalMs?: number;
  /** Treat a check that throws as "not yet" instead of failing at once. */
  retryOnError?: boolean;
}

/**
 * Polls `check` until it returns true and resolves with the time that took; rejects
 * after `timeoutMs`. A check that throws rejects at once unless `retryOnError`.
 */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  { intervalMs = 25, retryOnError = false }: WaitForOptions = {},
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const attempt = Promise.resolve().then(check);
    if (await (retryOnError ? attempt.catch(() => false) : attempt)) {
      return Date.now() - started;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(intervalMs);
  }
}

/** True when something accepts a TCP connection on `host`:`port` within a second. */
export function acceptsConnections(
  port: number,
  host = '127.0.0.1',
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(1_000);
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
