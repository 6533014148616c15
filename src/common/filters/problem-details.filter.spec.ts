import {
  ArgumentsHost,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import {
  SessionNotFoundError,
  SessionTitleTakenError,
} from '../../sessions/sessions.errors';
import {
  AuthenticationError,
  MalformedJsonError,
  RateLimitedError,
  RequestValidationError,
} from '../errors';
import { SECURITY_HEADERS } from '../../http/security-headers';
import { ProblemDetailsFilter } from './problem-details.filter';

/** What every problem on an API path carries besides its own headers. */
const EDGE_HEADERS = {
  ...SECURITY_HEADERS,
  'x-request-id': 'req-1',
  'cache-control': 'no-store',
};

interface Sent {
  status: number;
  headers: Record<string, string>;
  type: string;
  body: Record<string, unknown>;
}

function respond(error: unknown): Sent {
  const sent: Partial<Sent> = { headers: {} };
  const reply = {
    status: (status: number) => ((sent.status = status), reply),
    headers: (headers: Record<string, string>) => (
      Object.assign(sent.headers!, headers),
      reply
    ),
    header: (name: string, value: string) => (
      (sent.headers![name] = value),
      reply
    ),
    type: (type: string) => ((sent.type = type), reply),
    send: (body: Record<string, unknown>) => ((sent.body = body), reply),
  };
  const host = {
    switchToHttp: () => ({
      getRequest: () => ({
        id: 'req-1',
        method: 'GET',
        url: '/api/v1/x',
        routeOptions: { url: '/x' },
      }),
      getResponse: () => reply,
    }),
  } as unknown as ArgumentsHost;
  new ProblemDetailsFilter().catch(error, host);
  return sent as Sent;
}

describe('ProblemDetailsFilter', () => {
  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  it('maps a not-found domain error to a 404 problem with its stable type', () => {
    const sent = respond(new SessionNotFoundError(1, 'x'));
    expect(sent.status).toBe(404);
    expect(sent.type).toBe('application/problem+json');
    expect(sent.body).toEqual({
      type: 'urn:session-service:problem:session-not-found',
      title: 'Not Found',
      status: 404,
      detail: "Session with title 'x' not found for user_id=1",
      request_id: 'req-1',
    });
  });

  it('maps a conflict to 409', () => {
    expect(respond(new SessionTitleTakenError(1, 'x')).status).toBe(409);
  });

  it('maps validation errors to 422 with errors[]', () => {
    const sent = respond(
      new RequestValidationError([{ field: 'title', message: 'bad' }]),
    );
    expect(sent.status).toBe(422);
    expect(sent.body.errors).toEqual([{ field: 'title', message: 'bad' }]);
  });

  it('challenges with WWW-Authenticate on 401', () => {
    expect(respond(new AuthenticationError('no', false)).headers).toEqual({
      ...EDGE_HEADERS,
      'WWW-Authenticate': 'Bearer',
    });
    expect(respond(new AuthenticationError('bad', true)).headers).toEqual({
      ...EDGE_HEADERS,
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
  });

  it('sends Retry-After with 429', () => {
    const sent = respond(new RateLimitedError(12));
    expect(sent.status).toBe(429);
    expect(sent.headers['Retry-After']).toBe('12');
  });

  it('answers malformed JSON with 400 and a fixed detail', () => {
    const sent = respond(new MalformedJsonError());
    expect(sent.status).toBe(400);
    expect(sent.body.detail).toBe('The request body is not valid JSON');
  });

  it('replaces framework messages with fixed details', () => {
    expect(
      respond(new NotFoundException('Cannot GET /secret/path')).body.detail,
    ).toBe('No route matches this method and path');
    expect(respond(new PayloadTooLargeException('raw')).status).toBe(413);
  });

  it('answers 503 when PostgreSQL is unreachable, without driver details', () => {
    const driverError = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:5432'),
      {
        code: 'ECONNREFUSED',
      },
    );
    const sent = respond(
      new QueryFailedError('SELECT secret FROM sessions', [], driverError),
    );
    expect(sent.status).toBe(503);
    expect(JSON.stringify(sent.body)).not.toMatch(/SELECT|ECONNREFUSED|5432/);
  });

  it('answers anything unexpected with a generic 500 and no internals', () => {
    const sent = respond(
      new TypeError(
        'Cannot read properties of undefined (reading "x") at /src/a.ts:1',
      ),
    );
    expect(sent.status).toBe(500);
    expect(sent.body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged',
      request_id: 'req-1',
    });
  });
});
