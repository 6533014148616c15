import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { DatabaseErrorMessageScrubber, redisStatement } from './span-privacy';

describe('redisStatement', () => {
  it('shows the key of a key command and counts its values', () => {
    expect(redisStatement('get', ['session:list:user:7'])).toBe(
      'get session:list:user:7',
    );
    expect(
      redisStatement('set', [
        'session:list:user:7',
        '[{"title":"x"}]',
        'EX',
        60,
      ]),
    ).toBe('set session:list:user:7 [3 other arguments]');
  });

  it('shows the keys of a script call, not its sha or arguments', () => {
    expect(
      redisStatement('evalsha', [
        'a1b2c3',
        '1',
        'session:list:user:7',
        'marker',
        '[{"title":"private"}]',
        3600,
      ]),
    ).toBe('evalsha session:list:user:7 [5 other arguments]');
  });

  it('shows no argument of any other command', () => {
    expect(redisStatement('auth', ['hunter2'])).toBe(
      'auth [1 other arguments]',
    );
    expect(redisStatement('ping', [])).toBe('ping');
  });
});

describe('DatabaseErrorMessageScrubber', () => {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({
    spanProcessors: [
      new DatabaseErrorMessageScrubber(),
      new SimpleSpanProcessor(exporter),
    ],
  }).getTracer('test');

  const failedSpan = (system: string, message: string) => {
    exporter.reset();
    tracer
      .startSpan('query', { attributes: { 'db.system.name': system } })
      .setStatus({ code: SpanStatusCode.ERROR, message })
      .end();
    return exporter.getFinishedSpans()[0];
  };

  it("drops PostgreSQL's message, which can quote a value, and keeps the error", () => {
    expect(
      failedSpan('postgresql', 'invalid input syntax for type uuid: "private"')
        .status,
    ).toEqual({ code: SpanStatusCode.ERROR });
  });

  it('leaves the status of other spans alone', () => {
    expect(failedSpan('redis', 'Command timed out').status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'Command timed out',
    });
  });
});
