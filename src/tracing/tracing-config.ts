// Whether and how tracing runs, read from the standard OTEL_* variables (no SDK code).
import { ConfigurationError } from '../config/environment';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export const DEFAULT_SERVICE_NAME = 'session-service';

const PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json'];

/** The specification's boolean: only `true` (any case) is true. */
function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** On when an OTLP endpoint is configured and the SDK is not disabled. */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  const endpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint?.trim()) && !isTrue(env.OTEL_SDK_DISABLED);
}

/** The signal-specific variable wins over the general one, as the specification says. */
export function otlpProtocol(env: NodeJS.ProcessEnv): OtlpProtocol {
  const [variable, value] = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? [
        'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
        env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
      ]
    : ['OTEL_EXPORTER_OTLP_PROTOCOL', env.OTEL_EXPORTER_OTLP_PROTOCOL];
  const protocol = value?.trim() || 'http/protobuf';
  if (!PROTOCOLS.includes(protocol)) {
    throw new ConfigurationError(
      variable,
      `must be http/protobuf or http/json (got "${protocol}"; grpc is not supported)`,
    );
  }
  return protocol as OtlpProtocol;
}
