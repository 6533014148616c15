import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResponseTooLargeError, sizeLimitedFetch } from './size-limited-fetch';

const LIMIT = 1024;

describe('sizeLimitedFetch', () => {
  let server: Server;
  let url: string;
  let answer: RequestListener;
  const limitedFetch = sizeLimitedFetch(LIMIT);
  const get = (signal = AbortSignal.timeout(5000)) =>
    limitedFetch(url, {
      method: 'GET',
      redirect: 'manual',
      headers: new Headers(),
      signal,
    });

  beforeAll(async () => {
    server = createServer((request, response) => answer(request, response));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  it('hands over a body within the limit', async () => {
    answer = (_request, response) => response.end('{"keys":[]}');
    const response = await get();
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ keys: [] });
  });

  it('refuses a declared length beyond the limit', async () => {
    answer = (_request, response) => response.end('x'.repeat(LIMIT + 1));
    await expect(get()).rejects.toBeInstanceOf(ResponseTooLargeError);
  });

  it('refuses a chunked body once it grows beyond the limit', async () => {
    answer = (_request, response) => {
      response.write('x'.repeat(LIMIT));
      setTimeout(() => response.end('xx'), 20);
    };
    await expect(get()).rejects.toBeInstanceOf(ResponseTooLargeError);
  });

  it('passes another status through without reading its body', async () => {
    answer = (_request, response) => {
      response.statusCode = 503;
      response.end('x'.repeat(LIMIT * 4));
    };
    await expect(get()).resolves.toHaveProperty('status', 503);
  });

  it('stops reading a trickling body when the signal aborts', async () => {
    answer = (_request, response) => response.write('{"keys":');
    await expect(get(AbortSignal.timeout(200))).rejects.toHaveProperty(
      'name',
      'TimeoutError',
    );
  });
});
