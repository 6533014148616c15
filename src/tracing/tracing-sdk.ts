// Starts the OpenTelemetry SDK: an OTLP/HTTP exporter and the http, pg, ioredis and pino instrumentations.
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
} from '@opentelemetry/sdk-trace-node';
import {
  DatabaseErrorMessageScrubber,
  nameByRouteTemplate,
  redisStatement,
  withoutRawUrl,
} from './span-privacy';
import { DEFAULT_SERVICE_NAME, OtlpProtocol } from './tracing-config';

/**
 * Registers the provider and the instrumentations; returns what flushes and stops them.
 * The SDK reads the rest of the standard variables itself: the exporter its endpoint,
 * headers, timeout and compression, the provider OTEL_TRACES_SAMPLER(_ARG) and span
 * limits, the batch processor OTEL_BSP_*, the resource OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES.
 */
export function startTracingSdk(protocol: OtlpProtocol): () => Promise<void> {
  const exporter =
    protocol === 'http/json' ? new JsonExporter() : new ProtobufExporter();
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': DEFAULT_SERVICE_NAME }))
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [
      new DatabaseErrorMessageScrubber(),
      new BatchSpanProcessor(exporter),
    ],
  });
  // W3C trace context (and baggage): an incoming `traceparent` is continued.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        startIncomingSpanHook: withoutRawUrl,
        applyCustomAttributesOnSpan: nameByRouteTemplate,
        // Outgoing calls (a JWKS fetch) are traced only as part of a request.
        requireParentforOutgoingSpans: true,
      }),
      // Only statements and commands a request caused: no migration or probe traces.
      new PgInstrumentation({
        requireParentSpan: true,
        enhancedDatabaseReporting: false,
      }),
      new IORedisInstrumentation({
        requireParentSpan: true,
        dbStatementSerializer: redisStatement,
      }),
      // trace_id and span_id on every log line written inside a span; logs stay on stdout.
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  return () => provider.shutdown();
}
