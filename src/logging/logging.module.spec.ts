import { Writable } from 'node:stream';
import pino from 'pino';
import { buildLoggerParams } from './logging.module';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const params = buildLoggerParams({ logLevel: level, nodeEnv: 'production' });
  const options = params.pinoHttp as pino.LoggerOptions;
  const logger = pino(
    { level: options.level, redact: options.redact },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { logger, lines, options };
}

describe('buildLoggerParams', () => {
  it('uses LOG_LEVEL and, in production, writes JSON lines to stdout itself (no stream, no transport)', () => {
    const { options } = capture('warn');
    expect(options.level).toBe('warn');
    expect(Array.isArray(options)).toBe(false);
    expect(options.transport).toBeUndefined();
  });

  it('redacts credentials wherever a log call carries them', () => {
    const { logger, lines } = capture('info');
    logger.info(
      {
        headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' },
        req: { headers: { authorization: 'Bearer abc.def.ghi' } },
        token: 'abc.def.ghi',
        secret: 'shh',
        password: 'hunter2',
      },
      'something happened',
    );
    expect(JSON.stringify(lines)).not.toMatch(
      /abc\.def\.ghi|sid=1|shh|hunter2/,
    );
    expect(lines[0]).toMatchObject({
      headers: { authorization: '[redacted]', cookie: '[redacted]' },
      token: '[redacted]',
    });
  });
});
