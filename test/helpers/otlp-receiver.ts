// A local OTLP/HTTP endpoint: keeps every body an exporter posts to /v1/traces.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpExport {
  contentType: string;
  body: Buffer;
}

/** The subset of an OTLP/JSON span the suites read. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

interface OtlpJsonRequest {
  resourceSpans: Array<{
    resource: { attributes: OtlpSpan['attributes'] };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

export class OtlpReceiver {
  readonly exports: OtlpExport[] = [];
  endpoint = '';
  private readonly server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      const contentType = request.headers['content-type'] ?? '';
      this.exports.push({ contentType, body: Buffer.concat(chunks) });
      // An empty ExportTraceServiceResponse is a full success in either encoding.
      response.writeHead(200, { 'content-type': contentType });
      response.end(contentType.includes('json') ? '{}' : '');
    });
  });

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve) =>
      receiver.server.listen(0, '127.0.0.1', resolve),
    );
    const { port } = receiver.server.address() as AddressInfo;
    receiver.endpoint = `http://127.0.0.1:${port}`;
    return receiver;
  }

  /** Every byte posted so far, to search for what must never leave the service. */
  allBytes(): Buffer {
    return Buffer.concat(this.exports.map((e) => e.body));
  }

  /** The spans of every OTLP/JSON export, with `service.name` of their resource. */
  jsonSpans(): Array<OtlpSpan & { serviceName: unknown }> {
    return this.exports
      .filter((e) => e.contentType.includes('application/json'))
      .flatMap(
        (e) => (JSON.parse(e.body.toString()) as OtlpJsonRequest).resourceSpans,
      )
      .flatMap((resourceSpans) => {
        const serviceName = resourceSpans.resource.attributes.find(
          (attribute) => attribute.key === 'service.name',
        )?.value.stringValue;
        return resourceSpans.scopeSpans.flatMap((scope) =>
          scope.spans.map((span) => ({ ...span, serviceName })),
        );
      });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
