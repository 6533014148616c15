// Which format this process logs in: JSON lines, or pino-pretty lines for a person.
import type { DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';
import { AppConfig, ConfigurationError } from '../config';

export type LogFormat = 'json' | 'pretty';

/** pino-pretty is a dev dependency: a production install does not have it. */
function loadPinoPretty(): typeof PinoPretty | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('pino-pretty') as typeof PinoPretty;
  } catch {
    return undefined;
  }
}

/**
 * `LOG_FORMAT` when set; otherwise pretty only for a developer watching a terminal
 * (NODE_ENV=development, stdout a TTY, pino-pretty installed). Anything else (production,
 * tests, a pipe, a log shipper) gets one JSON object per line.
 */
export function resolveLogFormat(
  config: Pick<AppConfig, 'logFormat' | 'nodeEnv'>,
  stdoutIsTTY = process.stdout.isTTY === true,
): LogFormat {
  if (config.logFormat) {
    return config.logFormat;
  }
  return config.nodeEnv === 'development' && stdoutIsTTY && loadPinoPretty()
    ? 'pretty'
    : 'json';
}

let prettyStream: DestinationStream | undefined;

/**
 * One human-readable line per entry, written synchronously in this thread (not in a
 * transport worker), so the start banner printed after the start-up lines lands after
 * them. One stream per process: nestjs-pino keeps the first logger built anyway.
 */
export function prettyDestination(): DestinationStream {
  const pretty = loadPinoPretty();
  if (!pretty) {
    throw new ConfigurationError(
      'LOG_FORMAT',
      'is pretty, which needs the pino-pretty package (a dev dependency): install the dev dependencies or set LOG_FORMAT=json',
    );
  }
  prettyStream ??= pretty({
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
  return prettyStream;
}
