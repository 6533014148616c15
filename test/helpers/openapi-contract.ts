import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildOpenApiDocument } from '../../src/configure-app';

/** Routes deliberately absent from the OpenAPI document (Swagger UI serves itself). */
export const UNDOCUMENTED_ROUTES = [/^\/docs(?:-json|-yaml)?(?:\/|$)/];

export interface Exchange {
  method: string;
  url: string;
  /** The Fastify route pattern (`/api/v1/sessions/:title`); unset when no route matched. */
  route?: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The body as sent, or `undefined` when it was streamed. */
  body?: string;
}

type Schema = Record<string, unknown>;
interface MediaType {
  schema?: Schema;
}
export interface ResponseObject {
  description?: string;
  content?: Record<string, MediaType>;
  headers?: Record<string, { required?: boolean }>;
}
export interface OperationObject {
  summary?: string;
  security?: unknown[];
  parameters?: Array<{
    name: string;
    in: string;
    example?: unknown;
    schema?: Schema;
  }>;
  requestBody?: unknown;
  responses: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: unknown };
}

export interface DocumentedOperation {
  /** `get /api/v1/sessions/{title}`: the lower-case method and the documented path. */
  name: string;
  method: string;
  path: string;
  operation: OperationObject;
}

/** Every operation of the document, or only those whose path starts with `under`. */
export function documentedOperations(
  document: OpenApiDocument,
  under = '/',
): DocumentedOperation[] {
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith(under))
    .flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        name: `${method} ${path}`,
        method,
        path,
        operation,
      })),
    );
}

const DOCUMENT_ID = 'openapi';

/** An Ajv that understands OpenAPI 3.0 schemas with `#/components/...` references. */
export function createSchemaValidator(document: OpenApiDocument) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ components: document.components ?? {} }, DOCUMENT_ID);
  const cache = new Map<string, ValidateFunction>();
  return (schema: Schema): ValidateFunction => {
    const key = JSON.stringify(schema);
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile(
        JSON.parse(
          key.replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`),
        ) as Schema,
      );
      cache.set(key, validate);
    }
    return validate;
  };
}

const mediaTypeOf = (header: unknown): string | undefined =>
  typeof header === 'string'
    ? header.split(';')[0].trim().toLowerCase()
    : undefined;

const describe = (exchange: Exchange): string =>
  `${exchange.method} ${exchange.url} -> ${exchange.status}`;

/** Checks recorded responses against the OpenAPI document the app serves. */
export class OpenApiContract {
  private readonly schemaFor: ReturnType<typeof createSchemaValidator>;

  constructor(readonly document: OpenApiDocument) {
    this.schemaFor = createSchemaValidator(document);
  }

  /** Why `exchange` breaks the contract; empty when it keeps it. */
  violations(exchange: Exchange): string[] {
    const path = exchange.url.split('?')[0];
    if (UNDOCUMENTED_ROUTES.some((pattern) => pattern.test(path))) {
      return [];
    }
    // CORS preflights (CORS_ORIGINS set) are answered by @fastify/cors, not by an operation.
    if (exchange.method === 'OPTIONS' && exchange.route === '*') {
      return [];
    }
    if (exchange.route === undefined) {
      return this.unroutedViolations(exchange);
    }
    const documentedPath = exchange.route.replace(/:(\w+)/g, '{$1}');
    const method = exchange.method === 'HEAD' ? 'get' : exchange.method;
    const operation =
      this.document.paths[documentedPath]?.[method.toLowerCase()];
    if (!operation) {
      return [
        `${describe(exchange)}: ${exchange.method} ${documentedPath} is not in the OpenAPI document`,
      ];
    }
    const response = operation.responses[String(exchange.status)];
    if (!response) {
      return [
        `${describe(exchange)}: status ${exchange.status} is not documented for ${method.toUpperCase()} ${documentedPath} (documented: ${Object.keys(operation.responses).join(', ')})`,
      ];
    }
    return [
      ...this.headerViolations(exchange, response),
      ...(exchange.method === 'HEAD'
        ? []
        : this.bodyViolations(exchange, response)),
    ];
  }

  /** No route matched (unknown path, undecodable URL): still a problem-details answer. */
  private unroutedViolations(exchange: Exchange): string[] {
    if (exchange.status < 400 || exchange.status >= 500) {
      return [`${describe(exchange)}: no route matched, yet not a 4xx`];
    }
    return this.bodyViolations(exchange, {
      content: {
        'application/problem+json': {
          schema: { $ref: '#/components/schemas/ProblemDetails' },
        },
      },
    });
  }

  private headerViolations(
    exchange: Exchange,
    response: ResponseObject,
  ): string[] {
    return Object.entries(response.headers ?? {})
      .filter(
        ([name, header]) =>
          header.required && exchange.headers[name.toLowerCase()] === undefined,
      )
      .map(
        ([name]) => `${describe(exchange)}: the documented ${name} is missing`,
      );
  }

  private bodyViolations(
    exchange: Exchange,
    response: ResponseObject,
  ): string[] {
    const content = response.content ?? {};
    const mediaType = mediaTypeOf(exchange.headers['content-type']);
    if (Object.keys(content).length === 0) {
      return exchange.body
        ? [`${describe(exchange)}: a body where the document declares none`]
        : [];
    }
    const documented = mediaType ? content[mediaType] : undefined;
    if (!documented) {
      return [
        `${describe(exchange)}: Content-Type ${mediaType ?? '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`,
      ];
    }
    if (!documented.schema || exchange.body === undefined) {
      return [];
    }
    if (!mediaType!.endsWith('json')) {
      // Text bodies (Prometheus /metrics) are checked for their media type only.
      return [];
    }
    let body: unknown;
    try {
      body = JSON.parse(exchange.body);
    } catch {
      return [`${describe(exchange)}: the body is not JSON`];
    }
    const validate = this.schemaFor(documented.schema);
    if (validate(body)) {
      return [];
    }
    return [
      `${describe(exchange)}: the body does not match the documented schema: ${JSON.stringify(validate.errors)} body: ${exchange.body.slice(0, 500)}`,
    ];
  }
}

const recorders = new Set<ResponseRecorder>();

/**
 * Records every response an app sends, to be checked against the document the same
 * app serves at `/docs-json` (read once, on the first check).
 */
export class ResponseRecorder {
  private exchanges: Exchange[] = [];
  private contract?: OpenApiContract;

  constructor(private readonly app: NestFastifyApplication) {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onSend', (request, reply, payload, done) => {
        this.exchanges.push({
          method: request.method,
          url: request.url,
          route: request.routeOptions?.url,
          status: reply.statusCode,
          headers: { ...reply.getHeaders() },
          body:
            typeof payload === 'string'
              ? payload
              : Buffer.isBuffer(payload)
                ? payload.toString('utf8')
                : payload == null
                  ? ''
                  : undefined,
        });
        done(null, payload);
      });
    recorders.add(this);
  }

  /** Every violation among the responses recorded since the last check. */
  async check(): Promise<string[]> {
    if (this.exchanges.length === 0) {
      return [];
    }
    this.contract ??= new OpenApiContract(await this.servedDocument());
    const exchanges = this.exchanges;
    this.exchanges = [];
    return exchanges.flatMap((exchange) => this.contract!.violations(exchange));
  }

  /** What `/docs-json` serves; rebuilt the same way if a suite already closed the app. */
  private async servedDocument(): Promise<OpenApiDocument> {
    try {
      const response = await this.app
        .getHttpAdapter()
        .getInstance()
        .inject({ url: '/docs-json' });
      return response.json();
    } catch {
      return buildOpenApiDocument(this.app) as unknown as OpenApiDocument;
    }
  }

  async close(): Promise<string[]> {
    recorders.delete(this);
    return this.check();
  }
}

export class ContractViolationError extends Error {
  constructor(violations: string[]) {
    super(
      `Responses that break the OpenAPI document (fix the behaviour or document it):\n${violations.map((violation) => `  - ${violation}`).join('\n')}`,
    );
    this.name = 'ContractViolationError';
  }
}

/** Fails the current test when any live app sent an undocumented response. */
export async function assertResponsesMatchDocument(): Promise<void> {
  const violations: string[] = [];
  for (const recorder of recorders) {
    violations.push(...(await recorder.check()));
  }
  if (violations.length > 0) {
    throw new ContractViolationError(violations);
  }
}
