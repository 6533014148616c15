import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { otlpProtocol, tracingEnabled } from './tracing-config';

describe('tracingEnabled', () => {
  it('is off unless an OTLP endpoint is set', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
    expect(
      tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }),
    ).toBe(true);
    expect(
      tracingEnabled({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces',
      }),
    ).toBe(true);
  });

  it('is off when OTEL_SDK_DISABLED is true, in any case, and only then', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingEnabled({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' })).toBe(
      false,
    );
    expect(tracingEnabled({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toBe(
      true,
    );
    expect(tracingEnabled({ ...endpoint, OTEL_SDK_DISABLED: '1' })).toBe(true);
  });
});

describe('otlpProtocol', () => {
  it('defaults to http/protobuf; the traces variable wins over the general one', () => {
    expect(otlpProtocol({})).toBe('http/protobuf');
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe(
      'http/json',
    );
    expect(
      otlpProtocol({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }),
    ).toBe('http/protobuf');
  });

  it('refuses grpc and unknown values with one line naming the variable', () => {
    expect(() => otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      'Invalid configuration: OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (got "grpc"; grpc is not supported)',
    );
    expect(() =>
      otlpProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'json' }),
    ).toThrow(/^Invalid configuration: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL /);
  });
});

describe('.env.example', () => {
  it('documents the variables that switch tracing on and choose its protocol', () => {
    const example = readFileSync(
      join(__dirname, '..', '..', '.env.example'),
      'utf8',
    );
    for (const variable of [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'OTEL_SERVICE_NAME',
      'OTEL_SDK_DISABLED',
    ]) {
      expect(example).toMatch(new RegExp(`^# ${variable}=`, 'm'));
    }
  });
});
