import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';
import { DataSource } from 'typeorm';
import { CacheStore } from '../redis/cache-store';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

type Child<T extends Counter | Histogram> = ReturnType<T['labels']>;

interface StatusSeries {
  requests: Child<Counter>;
  duration: Child<Histogram>;
}

/**
 * Every metric the service exports, on a registry of its own (several applications can
 * live in one process, as in the e2e tests). Hot-path series are bound children looked
 * up in nested maps, so a request costs no label objects once its series exists.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly cacheLookups = new Counter({
    name: 'session_cache_lookups_total',
    help: 'Cached GET routes: hit (served from the cache), miss (read from PostgreSQL), error (cache unavailable or circuit open, read from PostgreSQL)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly cacheHit = this.cacheLookups.labels('hit');
  readonly cacheMiss = this.cacheLookups.labels('miss');
  readonly cacheError = this.cacheLookups.labels('error');

  private readonly series = new Map<
    string,
    Map<string, Map<number, StatusSeries>>
  >();

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(CacheStore) store: CacheStore,
  ) {
    collectDefaultMetrics({ register: this.registry });
    const pool = () =>
      (dataSource.driver as unknown as { master?: PgPool }).master;

    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections of this instance by state (total = open, idle, waiting = queries queued for a connection, max = pool size)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const current = pool();
        this.set({ state: 'total' }, current?.totalCount ?? 0);
        this.set({ state: 'idle' }, current?.idleCount ?? 0);
        this.set({ state: 'waiting' }, current?.waitingCount ?? 0);
        this.set({ state: 'max' }, current?.options?.max ?? 0);
      },
    });

    new Gauge({
      name: 'cache_circuit_open',
      help: '1 while the cache circuit breaker is open (Redis skipped, reads served from PostgreSQL)',
      registers: [this.registry],
      async collect() {
        this.set((await store.health()).circuit === 'open' ? 1 : 0);
      },
    });

    new Gauge({
      name: 'cache_backend_up',
      help: '1 when the cache backend answers',
      labelNames: ['backend'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const health = await store.health();
        this.set({ backend: health.backend }, health.status === 'up' ? 1 : 0);
      },
    });
  }

  observeRequest(
    method: string,
    route: string,
    statusCode: number,
    seconds: number,
  ): void {
    let byRoute = this.series.get(method);
    if (!byRoute) {
      byRoute = new Map();
      this.series.set(method, byRoute);
    }
    let byStatus = byRoute.get(route);
    if (!byStatus) {
      byStatus = new Map();
      byRoute.set(route, byStatus);
    }
    let series = byStatus.get(statusCode);
    if (!series) {
      const status = String(statusCode);
      series = {
        requests: this.httpRequests.labels(method, route, status),
        duration: this.httpDuration.labels(method, route, status),
      };
      byStatus.set(statusCode, series);
    }
    series.requests.inc();
    series.duration.observe(seconds);
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
