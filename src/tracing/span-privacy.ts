// Keeps user data out of spans: raw paths, query strings, cached values, driver messages.
import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';
import type {
  Span as SdkSpan,
  SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import type { IncomingMessage } from 'node:http';
import { routeTemplateOf, UNMATCHED_ROUTE } from '../http/route-template';

/**
 * At the start of a server span: the raw path and query string (titles travel in
 * paths) are never recorded; undefined values are dropped by the SDK.
 */
export function withoutRawUrl(): Attributes {
  return { 'url.path': undefined, 'url.query': undefined };
}

/**
 * When the response is done the route is known: the span becomes `GET /api/v1/sessions/:title`.
 * Unmatched requests (and client spans, which carry no template) keep the bare method.
 */
export function nameByRouteTemplate(span: Span, request: object): void {
  const template = routeTemplateOf(request as IncomingMessage);
  if (template === UNMATCHED_ROUTE) {
    return;
  }
  const { method } = request as IncomingMessage;
  span
    .updateName(`${method} ${template}`)
    .setAttribute('http.route', template)
    .setAttribute('url.path', template);
}

/** Commands whose first argument is a key (keys hold user ids, never session data). */
const KEY_FIRST = new Set([
  'get',
  'set',
  'del',
  'exists',
  'type',
  'ttl',
  'pttl',
  'expire',
  'pexpire',
  'incr',
]);
/** `EVALSHA sha numkeys key... arg...`: the keys are shown, the arguments not. */
const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro']);

/**
 * `db.query.text` of a Redis span: the command and its keys. Values (cached session
 * lists hold titles) and every argument of other commands (AUTH) are only counted.
 */
export function redisStatement(command: string, args: unknown[]): string {
  const name = command.toLowerCase();
  const keys = SCRIPT_COMMANDS.has(name)
    ? args.slice(2, 2 + Number(args[1]))
    : KEY_FIRST.has(name)
      ? args.slice(0, 1)
      : [];
  const hidden = args.length - keys.length;
  return [
    command,
    ...keys.map(String),
    ...(hidden > 0 ? [`[${hidden} other arguments]`] : []),
  ].join(' ');
}

/**
 * The pg instrumentation copies the driver's error message into the span status, and
 * some PostgreSQL messages quote the offending value. The status keeps only ERROR; the
 * span's exception event already names the SQLSTATE code.
 */
export class DatabaseErrorMessageScrubber implements SpanProcessor {
  onStart(): void {}

  onEnding(span: SdkSpan): void {
    if (
      span.attributes['db.system.name'] === 'postgresql' &&
      span.status.code === SpanStatusCode.ERROR
    ) {
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
