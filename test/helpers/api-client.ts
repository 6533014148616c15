import { bearer } from './tokens';
import { API } from './constants';

export interface ApiResult {
  status: number;
  body: unknown;
  ms: number;
}

/** A thin fetch client for a listening instance; `status` 0 means no answer. */
export function apiClient(baseUrl: string, timeoutMs = 10_000) {
  const call = async (
    method: string,
    path: string,
    userId: number,
    body?: unknown,
  ): Promise<ApiResult> => {
    const started = performance.now();
    try {
      const response = await fetch(`${baseUrl}${API}${path}`, {
        method,
        headers: {
          ...bearer(userId),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return {
        status: response.status,
        body: parsed,
        ms: performance.now() - started,
      };
    } catch {
      return { status: 0, body: undefined, ms: performance.now() - started };
    }
  };
  const segment = encodeURIComponent;
  return {
    baseUrl,
    list: (user: number) => call('GET', '/sessions', user),
    active: (user: number) => call('GET', '/sessions/active', user),
    create: (user: number, title: string) =>
      call('POST', '/sessions', user, { title }),
    activate: (user: number, title: string) =>
      call('POST', `/sessions/active/${segment(title)}`, user),
    remove: (user: number, title: string) =>
      call('DELETE', `/sessions/${segment(title)}`, user),
    deactivate: (user: number) => call('POST', '/sessions/deactivate', user),
    rename: (user: number, title: string, newTitle: string) =>
      call('PATCH', `/sessions/${segment(title)}`, user, { title: newTitle }),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
