// The verification keys published at JWT_JWKS_URL: when to fetch them, and what to do when that fails.
import { Logger } from '@nestjs/common';
import {
  createRemoteJWKSet,
  customFetch,
  errors,
  type CryptoKey,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type RemoteJWKSet,
} from 'jose';
import { sizeLimitedFetch } from './size-limited-fetch';

/** The longest a request waits for the JWKS endpoint. */
export const JWKS_FETCH_TIMEOUT_MS = 2_000;
/** No fetch starts sooner than this after the previous one, whatever its outcome. */
export const JWKS_REFETCH_INTERVAL_MS = 30_000;
/** Identity providers publish a few kilobytes; anything near this is not a key set. */
export const JWKS_MAX_BYTES = 256 * 1024;

/** `fetch failed` says little; its cause (ECONNREFUSED, ENOTFOUND…) says why. */
function describeFailure(error: Error): string {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${error.message}: ${code}` : error.message;
}

/**
 * jose fetches the set (timeout, no redirects, shape checks) and picks the key for a
 * token (by `kid`, skipping keys whose `use`, `alg` or type do not fit). This class only
 * decides when to fetch, because jose's own policy would fail every token once the cache
 * is stale and the endpoint is down: here the last good set keeps answering, a stale set
 * is refreshed in the background, and an unknown `kid` waits for at most one fetch.
 */
export class JwksKeySet {
  private readonly logger = new Logger('JWKS');
  private readonly keys: RemoteJWKSet;
  private readonly cacheMs: number;
  private loadedAt?: number;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private pending?: Promise<boolean>;

  constructor(
    private readonly url: string,
    cacheSeconds: number,
  ) {
    this.cacheMs = cacheSeconds * 1000;
    this.keys = createRemoteJWKSet(new URL(url), {
      timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
      // jose never fetches on its own once it has a set: `fetch()` below decides.
      cacheMaxAge: Number.POSITIVE_INFINITY,
      cooldownDuration: Number.POSITIVE_INFINITY,
      [customFetch]: sizeLimitedFetch(JWKS_MAX_BYTES),
    });
  }

  /** A jose key resolver for `jwtVerify`. */
  readonly resolve = async (
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ): Promise<CryptoKey> => {
    if (
      this.loadedAt !== undefined &&
      Date.now() - this.loadedAt >= this.cacheMs
    ) {
      void this.fetch();
    }
    if (this.loadedAt === undefined && !(await this.fetch())) {
      throw new errors.JWKSNoMatchingKey();
    }
    try {
      return await this.keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey && (await this.fetch())) {
        return this.keys(header, token);
      }
      throw error;
    }
  };

  /**
   * Joins the fetch in flight, or starts one unless the last began less than
   * JWKS_REFETCH_INTERVAL_MS ago; resolves whether a new set arrived.
   */
  fetch(): Promise<boolean> {
    if (this.pending) {
      return this.pending;
    }
    if (Date.now() - this.attemptedAt < JWKS_REFETCH_INTERVAL_MS) {
      return Promise.resolve(false);
    }
    this.attemptedAt = Date.now();
    this.pending = this.keys.reload().then(
      () => {
        this.loadedAt = Date.now();
        return true;
      },
      (error: Error) => {
        this.logger.warn(
          `fetching the key set from ${this.url} failed (${describeFailure(error)}); ${
            this.loadedAt === undefined
              ? 'no keys yet'
              : 'the keys fetched before stay in use'
          }, next attempt in ${JWKS_REFETCH_INTERVAL_MS / 1000} s at the earliest`,
        );
        return false;
      },
    );
    void this.pending.finally(() => (this.pending = undefined));
    return this.pending;
  }
}
