import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };
export type Session = components['schemas']['Session'];
export type ProblemDetails = components['schemas']['ProblemDetails'];
export type SessionClient = Client<paths>;

export interface SessionClientOptions extends ClientOptions {
  /** The service's origin, e.g. `http://localhost:8001`; paths carry `/api/v1`. */
  baseUrl: string;
  /** A bearer JWT, or a function returning the current one. */
  token: string | (() => string | Promise<string>);
}

/** A typed client for the session service, generated from its OpenAPI document. */
export function createSessionClient({
  token,
  ...options
}: SessionClientOptions): SessionClient {
  const client = createClient<paths>(options);
  client.use({
    async onRequest({ request }) {
      const value = typeof token === 'function' ? await token() : token;
      request.headers.set('Authorization', `Bearer ${value}`);
      return request;
    },
  });
  return client;
}
