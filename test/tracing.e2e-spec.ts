import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ensureBuilt } from '../scripts/build-if-stale';
import { waitFor } from './helpers/free-port';
import { OtlpReceiver, OtlpSpan } from './helpers/otlp-receiver';
import { describeWith } from './helpers/requirements';
import { ServiceProcess, startBuiltService } from './helpers/service-process';
import { createTestDatabase, TestDatabase } from './helpers/test-database';
import { TEST_REDIS_URL, TestRedis } from './helpers/test-redis';
import { tokenFor } from './helpers/tokens';
import { API } from './helpers/constants';

const SERVER = 2;

/** A W3C `traceparent` from a caller (the gateway) and the ids it carries. */
function incomingTrace() {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

function attribute(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value && Object.values(value)[0];
}

/**
 * The service runs as its own process (tracing must patch http, pg and ioredis before
 * they load) against the shared PostgreSQL and Redis, and exports to a local receiver.
 */
describeWith(
  ['redis'],
  'OpenTelemetry traces (spawned service, local OTLP/HTTP receiver)',
  () => {
    // Titles travel in paths, bodies, statement parameters and cached values.
    const canary = `canary${randomBytes(6).toString('hex')}`;
    const title = `Trace ${canary} größe/ü`;
    const userId = 4711;
    const token = tokenFor(userId);
    let database: TestDatabase;
    let redis: TestRedis;

    const startTraced = (
      receiver: OtlpReceiver,
      otel: Record<string, string>,
    ) =>
      startBuiltService({
        databaseUrl: database.url,
        redisUrl: TEST_REDIS_URL,
        redisKeyPrefix: redis.prefix,
        extra: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          LOG_LEVEL: 'info',
          ...otel,
        },
      });

    const call = (
      service: ServiceProcess,
      method: string,
      path: string,
      headers: Record<string, string>,
      body?: unknown,
    ) =>
      fetch(`${service.baseUrl}${API}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    beforeAll(async () => {
      database = await createTestDatabase();
      redis = new TestRedis();
    });

    afterAll(async () => {
      await redis?.close();
      await database?.drop();
    });

    describe('over http/json', () => {
      let receiver: OtlpReceiver;
      let service: ServiceProcess;
      const create = incomingTrace();
      const activate = incomingTrace();
      const list = incomingTrace();
      const unmatched = incomingTrace();

      const spansOf = (traceId: string) =>
        receiver.jsonSpans().filter((span) => span.traceId === traceId);
      const serverSpans = (traceId: string) =>
        spansOf(traceId).filter((span) => span.kind === SERVER);
      const serverSpan = (traceId: string) => serverSpans(traceId)[0];

      beforeAll(async () => {
        receiver = await OtlpReceiver.start();
        service = await startTraced(receiver, {
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '50',
        });
        const created = await call(
          service,
          'POST',
          '/sessions',
          { traceparent: create.traceparent, 'x-request-id': 'trace-create' },
          { title },
        );
        expect(created.status).toBe(201);
        const activated = await call(
          service,
          'POST',
          `/sessions/active/${encodeURIComponent(title)}`,
          { traceparent: activate.traceparent },
        );
        expect(activated.status).toBe(200);
        // Twice: a miss (PostgreSQL, then a fill carrying the list) and a hit.
        for (let i = 0; i < 2; i += 1) {
          const listed = await call(service, 'GET', '/sessions', {
            traceparent: list.traceparent,
          });
          expect(await listed.text()).toContain(canary);
        }
        const missing = await call(
          service,
          'GET',
          `/nowhere/${encodeURIComponent(title)}?title=${canary}`,
          { traceparent: unmatched.traceparent },
        );
        expect(missing.status).toBe(404);
        await waitFor(
          () =>
            serverSpans(unmatched.traceId).length === 1 &&
            serverSpans(create.traceId).length === 1 &&
            serverSpans(activate.traceId).length === 1 &&
            serverSpans(list.traceId).length === 2,
          10_000,
          'the exported server spans',
          { intervalMs: 50 },
        );
      }, 120_000);

      afterAll(async () => {
        await service?.stop();
        await receiver?.close();
      });

      it('continues the incoming trace with a server span named by method and route template', () => {
        expect(serverSpan(create.traceId)).toMatchObject({
          name: 'POST /api/v1/sessions',
          parentSpanId: create.parentId,
          serviceName: 'session-service',
        });
        const activation = serverSpan(activate.traceId);
        expect(activation).toMatchObject({
          name: 'POST /api/v1/sessions/active/:title',
          parentSpanId: activate.parentId,
        });
        expect(attribute(activation, 'http.route')).toBe(
          '/api/v1/sessions/active/:title',
        );
        expect(attribute(activation, 'url.path')).toBe(
          '/api/v1/sessions/active/:title',
        );
        expect(attribute(activation, 'http.response.status_code')).toBe(200);
      });

      it('names a request that matched no route by its method alone and records no path', () => {
        const span = serverSpan(unmatched.traceId);
        expect(span.name).toBe('GET');
        expect(attribute(span, 'http.response.status_code')).toBe(404);
        expect(attribute(span, 'url.path')).toBeUndefined();
        expect(attribute(span, 'url.query')).toBeUndefined();
      });

      it('gives each PostgreSQL statement and Redis command a child span of the server span', () => {
        const server = serverSpan(create.traceId);
        const spans = spansOf(create.traceId);
        const children = spans.filter((s) => s.parentSpanId === server.spanId);
        const statements = children
          .filter((s) => attribute(s, 'db.system.name') === 'postgresql')
          .map((s) => attribute(s, 'db.query.text'));
        expect(statements).toEqual(
          expect.arrayContaining([
            'START TRANSACTION',
            expect.stringMatching(/^INSERT INTO "sessions".*\$1/),
            'COMMIT',
          ]),
        );
        expect(
          children.filter((s) => attribute(s, 'db.system.name') === 'redis'),
        ).not.toHaveLength(0);
        // One trace per request: every other span hangs below its server span.
        expect(spans.filter((s) => s.kind === SERVER)).toHaveLength(1);
        const ids = new Set(spans.map((s) => s.spanId));
        for (const span of spans.filter((s) => s.spanId !== server.spanId)) {
          expect(ids.has(span.parentSpanId!)).toBe(true);
        }
      });

      it('shows Redis commands with their keys and never the cached values', () => {
        const commands = spansOf(list.traceId)
          .filter((s) => attribute(s, 'db.system.name') === 'redis')
          .map((s) => attribute(s, 'db.query.text'));
        const key = `${redis.prefix}session:list:user:${userId}`;
        expect(commands).toEqual(
          expect.arrayContaining([
            `get ${key}`,
            expect.stringMatching(
              new RegExp(`^evalsha ${key} \\[\\d+ other arguments\\]$`),
            ),
          ]),
        );
      });

      it("writes the trace id and the server span's id on the request's log line", async () => {
        const server = serverSpan(create.traceId);
        const line = () =>
          service
            .output()
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Record<string, unknown>)
            .find(
              (l) =>
                l.request_id === 'trace-create' &&
                l.msg === 'request completed',
            );
        await waitFor(
          () => line() !== undefined,
          5_000,
          'the request log line',
        );
        expect(line()).toMatchObject({
          trace_id: create.traceId,
          span_id: server.spanId,
        });
      });

      it('exports no title, token or Authorization header', () => {
        const bytes = receiver.allBytes().toString('latin1');
        expect(bytes).toContain(create.traceId);
        expect(bytes).not.toContain(canary);
        expect(bytes).not.toContain(token);
        expect(bytes).not.toContain(token.split('.')[2]);
        expect(bytes).not.toMatch(/bearer|authorization/i);
      });
    });

    describe('over http/protobuf (the default)', () => {
      it('posts protobuf to /v1/traces and flushes what is buffered on SIGTERM', async () => {
        const receiver = await OtlpReceiver.start();
        // A delay longer than the test: only the shutdown flush can deliver the spans.
        const service = await startTraced(receiver, {
          OTEL_BSP_SCHEDULE_DELAY: '600000',
        });
        try {
          const other = `${title} protobuf`;
          const created = await call(
            service,
            'POST',
            '/sessions',
            {},
            {
              title: other,
            },
          );
          expect(created.status).toBe(201);
          const trace = incomingTrace();
          const active = await call(service, 'GET', '/sessions/active', {
            traceparent: trace.traceparent,
          });
          expect(active.status).toBe(200);
          const renamed = await call(
            service,
            'PATCH',
            `/sessions/${encodeURIComponent(other)}`,
            {},
            { title: `${other} renamed` },
          );
          expect(renamed.status).toBe(200);
          expect(receiver.exports).toHaveLength(0);

          service.signal('SIGTERM');
          await expect(service.exited).resolves.toMatchObject({
            code: 0,
            signal: null,
          });
          expect(receiver.exports.length).toBeGreaterThan(0);
          for (const posted of receiver.exports) {
            expect(posted.contentType).toBe('application/x-protobuf');
          }
          const bytes = receiver.allBytes();
          // Protobuf carries ids as raw bytes and strings as UTF-8.
          expect(bytes.includes(Buffer.from(trace.traceId, 'hex'))).toBe(true);
          expect(bytes.includes(Buffer.from(trace.parentId, 'hex'))).toBe(true);
          expect(bytes.includes('GET /api/v1/sessions/active')).toBe(true);
          expect(bytes.includes('PATCH /api/v1/sessions/:title')).toBe(true);
          expect(bytes.includes(canary)).toBe(false);
          expect(bytes.includes(token)).toBe(false);
        } finally {
          await service.stop();
          await receiver.close();
        }
      }, 120_000);
    });

    describe('switched off', () => {
      /** How many OpenTelemetry modules the first import of main.ts loads. */
      const loadedOpenTelemetryModules = (env: Record<string, string>) =>
        Number(
          execFileSync(
            process.execPath,
            [
              '-e',
              "require('./dist/tracing/tracing.js'); process.stdout.write(String(Object.keys(require.cache).filter((m) => m.includes('@opentelemetry')).length))",
            ],
            {
              cwd: join(__dirname, '..'),
              env: { PATH: process.env.PATH, ...env },
            },
          ).toString(),
        );

      it('loads no OpenTelemetry code without an OTLP endpoint or with OTEL_SDK_DISABLED=true', () => {
        ensureBuilt();
        const endpoint = 'http://127.0.0.1:4318';
        expect(loadedOpenTelemetryModules({})).toBe(0);
        expect(
          loadedOpenTelemetryModules({
            OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
            OTEL_SDK_DISABLED: 'true',
          }),
        ).toBe(0);
        expect(
          loadedOpenTelemetryModules({
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces`,
          }),
        ).toBeGreaterThan(0);
      });
    });
  },
);
