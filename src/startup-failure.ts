// Turns whatever stopped the start into the one line main.ts reports.
import { ConfigurationError } from './config';
import { DatabaseStartError } from './database/database-errors';
import { EmbeddedDatabaseError } from './database/embedded/embedded-database.error';

/** Failures whose message already says what failed, where, and what to do. */
const SELF_EXPLAINING = [
  ConfigurationError,
  DatabaseStartError,
  EmbeddedDatabaseError,
];

const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use (set PORT to a free one)',
  EACCES: 'permission denied (ports below 1024 need privileges; set PORT)',
  EADDRNOTAVAIL: 'the address is not available on this machine',
};

export interface StartupFailure {
  message: string;
  /** False for an unforeseen error, whose stack is worth logging with it. */
  explained: boolean;
}

export function describeStartupFailure(error: unknown): StartupFailure {
  if (SELF_EXPLAINING.some((type) => error instanceof type)) {
    return { message: (error as Error).message, explained: true };
  }
  const { code, address, port, message } = error as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  if (code && LISTEN_REASONS[code] && port !== undefined) {
    return {
      message: `Cannot listen on ${address ?? '0.0.0.0'}:${port}: ${LISTEN_REASONS[code]}`,
      explained: true,
    };
  }
  return {
    message: `Start-up failed: ${message ?? String(error)}`,
    explained: false,
  };
}
