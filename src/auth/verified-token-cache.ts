import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config';
import type { AuthenticatedUser } from './authenticated-user';

export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

interface Verified {
  user: AuthenticatedUser;
  /** Epoch seconds from which jsonwebtoken would call the token expired. */
  expiredAt: number;
}

/**
 * Remembers the principal of recently verified `Authorization` headers, so a client
 * sending the same token again skips passport and the HMAC. Only fully verified tokens
 * enter it, keyed by the exact header; an entry dies at the token's `exp` (with the
 * same clock tolerance jsonwebtoken applies), and the oldest entry makes room for a new one.
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Verified>();
  private readonly clockToleranceSeconds: number;

  constructor(config: ConfigService<AppConfig, true>) {
    this.clockToleranceSeconds = config.getOrThrow('jwt', {
      infer: true,
    }).clockToleranceSeconds;
  }

  get(header: string | undefined): AuthenticatedUser | undefined {
    if (header === undefined) {
      return undefined;
    }
    const entry = this.entries.get(header);
    if (entry === undefined) {
      return undefined;
    }
    if (Math.floor(Date.now() / 1000) >= entry.expiredAt) {
      this.entries.delete(header);
      return undefined;
    }
    return entry.user;
  }

  remember(header: string, user: AuthenticatedUser, exp: number): void {
    if (this.entries.size >= VERIFIED_TOKEN_CACHE_SIZE) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(header, {
      user,
      expiredAt: exp + this.clockToleranceSeconds,
    });
  }

  get size(): number {
    return this.entries.size;
  }
}
