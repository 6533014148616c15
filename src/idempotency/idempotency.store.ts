import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors';
import { toProblem } from '../common/filters/to-problem';
import type { AppConfig } from '../config';
import {
  IdempotencyKeyReuseError,
  IdempotentReplay,
  ReplayedDomainError,
} from './idempotency.errors';

/** A write sent with an Idempotency-Key, as `@IdempotencyKey()` read it. */
export interface IdempotentRequest {
  key: string;
  /** SHA-256 of the method, path and body. */
  fingerprint: string;
  /** The route's status on success. */
  successStatus: number;
}

/** What the transaction decided: a fresh answer, an error to store and throw, or none. */
export type IdempotentOutcome<T> = { value: T } | { error: DomainError };

const SQL = {
  /** At most 100 expired keys of anyone per write: no cron, and no write waits long. */
  sweepExpired: `DELETE FROM "idempotency_keys" WHERE ("user_id", "key") IN (
      SELECT "user_id", "key" FROM "idempotency_keys" WHERE "expires_at" <= now()
      ORDER BY "expires_at" LIMIT 100 FOR UPDATE SKIP LOCKED)`,
  find: 'SELECT "fingerprint", "status", "body" FROM "idempotency_keys" WHERE "user_id" = $1 AND "key" = $2 AND "expires_at" > now()',
  save: `INSERT INTO "idempotency_keys" ("user_id", "key", "fingerprint", "status", "body", "expires_at")
      VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
      ON CONFLICT ("user_id", "key") DO UPDATE SET "fingerprint" = EXCLUDED."fingerprint",
        "status" = EXCLUDED."status", "body" = EXCLUDED."body", "expires_at" = EXCLUDED."expires_at"`,
};

/**
 * Stores each idempotent write's answer in the write's own transaction, so a stored
 * answer always matches what was committed. The caller holds the user's lock, so a
 * repeat that arrives meanwhile waits for the first and then finds its answer.
 */
@Injectable()
export class IdempotencyStore {
  private readonly ttlSeconds: number;

  constructor(config: ConfigService<AppConfig, true>) {
    this.ttlSeconds = config.getOrThrow('idempotencyTtlSeconds', {
      infer: true,
    });
  }

  /**
   * Inside the caller's transaction: throws the stored answer of an earlier request with
   * this key (IdempotentReplay, or the stored domain error), or runs `work` and stores
   * its answer. A domain error is stored and returned, for the caller to throw once the
   * transaction has committed; anything else (a 5xx) is thrown and stores nothing.
   */
  async once<T>(
    manager: EntityManager,
    userId: number,
    request: IdempotentRequest,
    work: () => Promise<T>,
  ): Promise<IdempotentOutcome<T>> {
    await manager.query(SQL.sweepExpired);
    const [stored] = await manager.query<
      { fingerprint: string; status: number; body: string }[]
    >(SQL.find, [userId, request.key]);
    if (stored) {
      throw stored.fingerprint === request.fingerprint
        ? replayOf(stored.status, stored.body)
        : new IdempotencyKeyReuseError();
    }
    await manager.query('SAVEPOINT "idempotent_write"');
    try {
      const value = await work();
      const body = JSON.stringify(value);
      await this.save(manager, userId, request, request.successStatus, body);
      return { value };
    } catch (error) {
      if (!(error instanceof DomainError)) {
        throw error;
      }
      await manager.query('ROLLBACK TO SAVEPOINT "idempotent_write"');
      const problem = toProblem(error)!;
      const body = JSON.stringify(problem.toBody());
      await this.save(manager, userId, request, problem.status, body);
      return { error };
    }
  }

  private async save(
    manager: EntityManager,
    userId: number,
    request: IdempotentRequest,
    status: number,
    body: string,
  ): Promise<void> {
    await manager.query(SQL.save, [
      userId,
      request.key,
      request.fingerprint,
      status,
      body,
      this.ttlSeconds,
    ]);
  }
}

function replayOf(status: number, body: string): Error {
  return status < 400
    ? new IdempotentReplay(status, body)
    : new ReplayedDomainError(status, JSON.parse(body));
}
