// The only body parser: strict UTF-8 JSON objects, at most 16 KiB and 32 levels deep.
import type { FastifyInstance } from 'fastify';
import { MalformedJsonError, RequestValidationError } from '../common/errors';
import { nestedDeeperThan } from './json-depth';

export const BODY_LIMIT_BYTES = 16 * 1024;

const MAX_JSON_DEPTH = 32;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function parseJsonObject(body: Buffer): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(UTF8.decode(body));
  } catch {
    throw new MalformedJsonError();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestValidationError([
      { field: 'body', message: 'the request body must be a JSON object' },
    ]);
  }
  if (nestedDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw new RequestValidationError([
      {
        field: 'body',
        message: `the request body must not nest deeper than ${MAX_JSON_DEPTH} levels`,
      },
    ]);
  }
  return parsed;
}

/** Replaces Fastify's parsers, so any other content type is answered 415. */
export function installJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (_request, body, done) => {
      try {
        done(null, parseJsonObject(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}
