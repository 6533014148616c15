import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** The label of every request that matched no route (404s, scanners). */
export const UNMATCHED_ROUTE = 'unmatched';

const ROUTE_TEMPLATE = Symbol('routeTemplate');

type TaggedRequest = IncomingMessage & { [ROUTE_TEMPLATE]?: string };

/**
 * Gives every route a hook that stamps its template (`/api/v1/sessions/active/:title`)
 * on the raw request, so metrics and the request log label by template, never by a
 * raw title, without building Fastify's `routeOptions` object per request. Must run
 * before the routes are registered (`configureApp`, before `app.init()`).
 */
export function tagRouteTemplates(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const template = route.url;
    const stamp: onRequestHookHandler = (request, _reply, done) => {
      (request.raw as TaggedRequest)[ROUTE_TEMPLATE] = template;
      done();
    };
    const existing = route.onRequest;
    route.onRequest = existing
      ? [stamp, ...(Array.isArray(existing) ? existing : [existing])]
      : stamp;
  });
}

export function routeTemplateOf(raw: IncomingMessage): string {
  return (raw as TaggedRequest)[ROUTE_TEMPLATE] ?? UNMATCHED_ROUTE;
}
