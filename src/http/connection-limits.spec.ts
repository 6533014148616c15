import { createServer } from 'node:http';
import { buildConfiguration, ConfigurationError } from '../config';
import { applyConnectionLimits, DEADLINE_CHECKS } from './connection-limits';

const timeoutsFrom = (env: Record<string, string>) =>
  buildConfiguration({
    DATA_DIR: '/nonexistent-data-dir',
    SECRET_KEY: 'spec-secret',
    ...env,
  }).httpTimeouts;

function configurationErrorOf(env: Record<string, string>): Error {
  try {
    timeoutsFrom(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as Error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('connection limits', () => {
  it('default to 72 s keep-alive, 10 s for the headers and 30 s for the request', () => {
    expect(timeoutsFrom({})).toEqual({
      keepAliveTimeoutMs: 72000,
      headersTimeoutMs: 10000,
      requestTimeoutMs: 30000,
    });
  });

  it('are read from HTTP_KEEP_ALIVE_TIMEOUT_MS, HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS', () => {
    expect(
      timeoutsFrom({
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '5000',
        HTTP_HEADERS_TIMEOUT_MS: '2000',
        HTTP_REQUEST_TIMEOUT_MS: '2000',
      }),
    ).toEqual({
      keepAliveTimeoutMs: 5000,
      headersTimeoutMs: 2000,
      requestTimeoutMs: 2000,
    });
  });

  it.each([
    [
      'HTTP_KEEP_ALIVE_TIMEOUT_MS',
      'soon',
      'must be an integer number (got "soon")',
    ],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', '0', 'must not be less than 100 (got 0)'],
    ['HTTP_HEADERS_TIMEOUT_MS', '1.5', 'must be an integer number (got "1.5")'],
    ['HTTP_HEADERS_TIMEOUT_MS', '99', 'must not be less than 100 (got 99)'],
    ['HTTP_REQUEST_TIMEOUT_MS', '-1', 'must not be less than 100 (got -1)'],
    [
      'HTTP_REQUEST_TIMEOUT_MS',
      '3600001',
      'must not be greater than 3600000 (got 3600001)',
    ],
  ])('refuse %s=%s in one line naming the variable', (variable, value, why) => {
    expect(configurationErrorOf({ [variable]: value }).message).toBe(
      `Invalid configuration: ${variable} ${why}`,
    );
  });

  it('refuse a request bound shorter than the headers bound', () => {
    const error = configurationErrorOf({
      HTTP_HEADERS_TIMEOUT_MS: '10000',
      HTTP_REQUEST_TIMEOUT_MS: '5000',
    });
    expect(error.message).toBe(
      'Invalid configuration: HTTP_REQUEST_TIMEOUT_MS must be at least HTTP_HEADERS_TIMEOUT_MS (10000), since the request includes its headers (got 5000)',
    );
  });

  it('are set on the server, which checks deadlines every second', () => {
    const server = createServer(DEADLINE_CHECKS);
    applyConnectionLimits(server, timeoutsFrom({}));
    expect(server).toMatchObject({
      keepAliveTimeout: 72000,
      headersTimeout: 10000,
      requestTimeout: 30000,
      connectionsCheckingInterval: 1000,
    });
  });
});
