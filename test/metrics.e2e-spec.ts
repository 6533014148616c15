import request from 'supertest';
import { useTestApp } from './helpers/test-app';
import { DEFAULT_CACHE_BACKEND } from './helpers/test-redis';
import { bearer } from './helpers/tokens';
import { API } from './helpers/constants';

/** The value of one series in Prometheus text, 0 when the series does not exist yet. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
) {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) {
      continue;
    }
    const labelPart = line.slice(name.length).split(' ')[0];
    if (wanted.every((pair) => labelPart.includes(pair))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return 0;
}

describe('GET /metrics', () => {
  const t = useTestApp({}, { resetEachTest: true });
  const scrape = async () => {
    const response = await request(t.server).get('/metrics');
    expect(response.status).toBe(200);
    return response.text;
  };

  it('is public Prometheus text with process, pool and cache gauges', async () => {
    const response = await request(t.server).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(
      /^text\/plain; version=0\.0\.4/,
    );
    const text = response.text;
    for (const metric of [
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${metric}`);
    }
    expect(sample(text, 'db_pool_connections', { state: 'max' })).toBe(10);
    expect(
      sample(text, 'db_pool_connections', { state: 'total' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^db_pool_connections\{state="idle"\} \d+$/m);
    expect(text).toMatch(/^db_pool_connections\{state="waiting"\} 0$/m);
    expect(sample(text, 'cache_circuit_open')).toBe(0);
    expect(
      sample(text, 'cache_backend_up', { backend: DEFAULT_CACHE_BACKEND }),
    ).toBe(1);
  });

  describe('after a create, two activations, a missing title and an unmatched path', () => {
    const rawTitle = 'secret-project-title-x7';
    const route = `${API}/sessions/active/:title`;
    let before: string;
    let after: string;
    const growth = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);

    beforeAll(async () => {
      before = await scrape();
      await request(t.server)
        .post(`${API}/sessions`)
        .set(bearer(1))
        .send({ title: rawTitle })
        .expect(201);
      for (const title of [rawTitle, rawTitle]) {
        await request(t.server)
          .post(`${API}/sessions/active/${title}`)
          .set(bearer(1))
          .expect(200);
      }
      await request(t.server)
        .post(`${API}/sessions/active/no-such-${rawTitle}`)
        .set(bearer(1))
        .expect(404);
      await request(t.server)
        .get(`/definitely/not/a/route/${rawTitle}`)
        .expect(404);
      after = await scrape();
    });

    it('counts requests by method, route template and status', () => {
      const activations = (status_code: string) =>
        growth('http_requests_total', { method: 'POST', route, status_code });
      expect(activations('200')).toBe(2);
      expect(activations('404')).toBe(1);
      expect(
        sample(after, 'http_requests_total', {
          method: 'POST',
          route: `${API}/sessions`,
          status_code: '201',
        }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('times them in the duration histogram under the same labels', () => {
      expect(
        growth('http_request_duration_seconds_count', {
          method: 'POST',
          route,
          status_code: '200',
        }),
      ).toBe(2);
    });

    it('counts a path no route matches as route="unmatched"', () => {
      expect(
        growth('http_requests_total', {
          method: 'GET',
          route: 'unmatched',
          status_code: '404',
        }),
      ).toBe(1);
    });

    it('never labels by the raw title: every route label is a template', () => {
      expect(after).not.toContain(rawTitle);
      for (const match of after.matchAll(/route="([^"]*)"/g)) {
        expect(match[1]).toMatch(/^(unmatched|\/[a-z0-9/:_-]*)$/);
      }
    });
  });

  it('counts cache misses, then hits, on the cached GET routes', async () => {
    await request(t.server)
      .post(`${API}/sessions`)
      .set(bearer(5))
      .send({ title: 'cached' })
      .expect(201);
    const before = await scrape();
    const lookups = (result: string, text: string) =>
      sample(text, 'session_cache_lookups_total', { result });

    await request(t.server)
      .get(`${API}/sessions/active`)
      .set(bearer(5))
      .expect(200);
    await request(t.server)
      .get(`${API}/sessions/active`)
      .set(bearer(5))
      .expect(200);
    await request(t.server).get(`${API}/sessions`).set(bearer(5)).expect(200);
    await request(t.server).get(`${API}/sessions`).set(bearer(5)).expect(200);
    const after = await scrape();
    expect(lookups('miss', after) - lookups('miss', before)).toBe(2);
    expect(lookups('hit', after) - lookups('hit', before)).toBe(2);
    expect(lookups('error', after) - lookups('error', before)).toBe(0);
  });
});
