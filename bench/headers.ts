/** The fairness check before measuring: another side answers each route with the service's headers. */
import { request } from 'node:http';
import type { Side } from './sides';

/** Ids, dates and the lengths of bodies holding them differ between any two answers. */
const VOLATILE = /^(date|x-request-id|content-length|x-ratelimit-reset)$/i;
const ECHOED_ID = 'bench-probe-1';

/** The raw header lines of one answer to `METHOD PATH[ +title]` (`{title}` = `s1`). */
function headersOf(
  port: number,
  route: string,
  token: string,
  tag: string,
  requestId = '',
) {
  const [method, path, newTitle] = route.replace('{title}', 's1').split(' ');
  const body = newTitle ? JSON.stringify({ title: `probe-${tag}` }) : '';
  const headers = {
    authorization: `Bearer ${token}`,
    ...(body ? { 'content-type': 'application/json' } : {}),
    ...(requestId ? { 'x-request-id': requestId } : {}),
  };
  return new Promise<string[]>((resolve, reject) => {
    const options = { host: '127.0.0.1', port, method, path, headers };
    const sent = request(options, (response) => {
      const raw = response.rawHeaders;
      const lines = raw
        .filter((_, i) => i % 2 === 0)
        .map((name, i) => `${name}: ${raw[2 * i + 1]}`);
      response
        .resume()
        .on('end', () => resolve([`status ${response.statusCode}`, ...lines]));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

/** `- line` only the service sent, `+ line` only `other` sent; volatile values are not compared. */
function diff(service: string[], other: string[]): string[] {
  const comparable = (line: string) => {
    const [name] = line.split(': ', 1);
    return VOLATILE.test(name) ? `${name}: …` : line;
  };
  const [ours, theirs] = [service.map(comparable), other.map(comparable)];
  const lines = [
    ...ours
      .filter((line) => !theirs.includes(line))
      .map((line) => `  - ${line}`),
    ...theirs
      .filter((line) => !ours.includes(line))
      .map((line) => `  + ${line}`),
  ];
  const sameOrder = ours.join('\n') === theirs.join('\n');
  return lines.length > 0 || sameOrder
    ? lines
    : ['  (same headers, in another order)'];
}

/**
 * One answer of each route from the service, then from `other` (so a write meets the same
 * write), then one with a well-formed X-Request-Id that both must echo. Returns the
 * differences, none when the two agree.
 */
export async function headerDifferences(
  service: Side,
  other: Side,
  routes: string[],
  token: string,
): Promise<string[]> {
  const lines: string[] = [];
  for (const route of routes) {
    const expected = await headersOf(
      service.port,
      route,
      token,
      `${other.name}-service`,
    );
    const found = diff(
      expected,
      await headersOf(other.port, route, token, other.name),
    );
    lines.push(...(found.length > 0 ? [`${route}:`, ...found] : []));
  }
  for (const side of [service, other]) {
    const answer = await headersOf(
      side.port,
      'GET /api/v1/sessions/active',
      token,
      '',
      ECHOED_ID,
    );
    if (
      !answer.some(
        (line) => line.toLowerCase() === `x-request-id: ${ECHOED_ID}`,
      )
    ) {
      lines.push(
        `${side.name} did not echo the well-formed X-Request-Id ${ECHOED_ID}`,
      );
    }
  }
  return lines;
}
