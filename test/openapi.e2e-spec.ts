import SwaggerParser from '@apidevtools/swagger-parser';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { createSessionClient } from '../clients/typescript';
import {
  CLIENT_SCHEMA_PATH,
  DOCUMENT_PATH,
  generateClientSchema,
} from '../scripts/openapi/generate-client';
import { API, API_OPERATIONS } from './helpers/constants';
import {
  createSchemaValidator,
  documentedOperations,
  type Exchange,
  OpenApiContract,
  type OpenApiDocument,
} from './helpers/openapi-contract';
import { useTestApp } from './helpers/test-app';
import { tokenFor } from './helpers/tokens';

type Json = Record<string, any>;

const operationsOf = (document: Json) =>
  documentedOperations(document as OpenApiDocument);
/** The session API's operations (health and metrics routes are not bearer-protected). */
const apiOperationsOf = (document: Json) =>
  documentedOperations(document as OpenApiDocument, `${API}/`);

/** Every `example`/`examples` in the document, paired with the schema it illustrates. */
function examplesOf(document: Json): Array<[string, Json, unknown]> {
  const found: Array<[string, Json, unknown]> = [];
  const walkSchema = (where: string, schema: Json): void => {
    if ('example' in schema) {
      found.push([where, schema, schema.example]);
    }
    for (const [name, property] of Object.entries(
      (schema.properties ?? {}) as Json,
    )) {
      walkSchema(`${where}.${name}`, property);
    }
    if (schema.items) {
      walkSchema(`${where}[]`, schema.items);
    }
  };
  for (const [name, schema] of Object.entries(
    document.components.schemas as Json,
  )) {
    walkSchema(`#/components/schemas/${name}`, schema);
  }
  for (const { name: operationName, operation } of operationsOf(document)) {
    for (const parameter of (operation.parameters ?? []) as Json[]) {
      if ('example' in parameter) {
        found.push([
          `${operationName} parameter ${parameter.name}`,
          parameter.schema,
          parameter.example,
        ]);
      }
    }
    for (const [status, response] of Object.entries(
      operation.responses as Json,
    )) {
      for (const [mediaType, media] of Object.entries(
        (response.content ?? {}) as Json,
      )) {
        const where = `${operationName} ${status} ${mediaType}`;
        if ('example' in media) {
          found.push([where, media.schema, media.example]);
        }
        for (const [name, example] of Object.entries(
          (media.examples ?? {}) as Json,
        )) {
          found.push([`${where} example ${name}`, media.schema, example.value]);
        }
        walkSchema(where, media.schema);
      }
      for (const [name, header] of Object.entries(
        (response.headers ?? {}) as Json,
      )) {
        walkSchema(`${operationName} ${status} header ${name}`, header.schema);
      }
    }
  }
  return found;
}

describe('The OpenAPI document', () => {
  const t = useTestApp();
  let document: Json;

  beforeAll(async () => {
    const response = await request(t.server).get('/docs-json');
    expect(response.status).toBe(200);
    document = response.body;
  });

  it('is a valid OpenAPI 3 document according to swagger-parser', async () => {
    await expect(
      SwaggerParser.validate(structuredClone(document) as any),
    ).resolves.toMatchObject({ openapi: expect.stringMatching(/^3\./) });
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await request(t.server).get('/docs');
    expect(response.status).toBe(200);
    expect(response.text).toContain('swagger-ui');
  });

  it('declares bearer JWT security', () => {
    expect(document.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
  });

  it('documents exactly the session API operations', () => {
    expect(
      apiOperationsOf(document)
        .map(({ name }) => name)
        .sort(),
    ).toEqual([...API_OPERATIONS].sort());
  });

  it('gives every operation a summary', () => {
    for (const { name, operation } of operationsOf(document)) {
      expect({ name, summary: operation.summary }).toEqual({
        name,
        summary: expect.stringMatching(/\S/),
      });
    }
  });

  it('protects every API operation with bearer security', () => {
    for (const { name, operation } of apiOperationsOf(document)) {
      expect({ name, security: operation.security }).toEqual({
        name,
        security: [{ bearer: [] }],
      });
    }
  });

  it('describes every response, with one media type and a schema', () => {
    for (const { name, operation } of operationsOf(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const where = `${name} ${status}`;
        expect({ where, description: response.description }).toEqual({
          where,
          description: expect.stringMatching(/\S/),
        });
        const media = Object.entries(response.content ?? {});
        expect({ where, media: media.length }).toEqual({ where, media: 1 });
        expect({ where, hasSchema: media[0][1].schema !== undefined }).toEqual({
          where,
          hasSchema: true,
        });
      }
    }
  });

  it('answers API errors as application/problem+json and successes as application/json', () => {
    for (const { name, operation } of apiOperationsOf(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const where = `${name} ${status}`;
        expect({
          where,
          mediaType: Object.keys(response.content ?? {}),
        }).toEqual({
          where,
          mediaType: [
            Number(status) >= 400
              ? 'application/problem+json'
              : 'application/json',
          ],
        });
      }
    }
  });

  it('lists every status each route can answer', () => {
    const statuses = Object.fromEntries(
      apiOperationsOf(document).map(({ name, operation }) => [
        name,
        Object.keys(operation.responses).sort(),
      ]),
    );
    const everywhere = ['401', '415', '429', '500', '503'];
    const withBody = [...everywhere, '400', '413', '422'];
    expect(statuses).toEqual({
      'get /api/v1/sessions': ['200', ...everywhere].sort(),
      'get /api/v1/sessions/active': ['200', '404', ...everywhere].sort(),
      'post /api/v1/sessions': ['201', '409', ...withBody].sort(),
      'post /api/v1/sessions/deactivate': [
        '200',
        '404',
        '409',
        ...withBody,
      ].sort(),
      'post /api/v1/sessions/active/{title}': [
        '200',
        '404',
        '409',
        ...withBody,
      ].sort(),
      'patch /api/v1/sessions/{title}': [
        '200',
        '404',
        '409',
        ...withBody,
      ].sort(),
      'delete /api/v1/sessions/{title}': [
        '200',
        '404',
        '409',
        ...withBody,
      ].sort(),
    });
  });

  it('has examples that are valid against their schemas', () => {
    const schemaFor = createSchemaValidator(document as OpenApiDocument);
    const examples = examplesOf(document);
    expect(examples.length).toBeGreaterThan(40);
    const invalid = examples
      .map(([where, schema, example]) => {
        const validate = schemaFor(schema);
        return validate(example)
          ? undefined
          : `${where}: ${JSON.stringify(validate.errors)}`;
      })
      .filter(Boolean);
    expect(invalid).toEqual([]);
  });

  it('is the document committed in docs/openapi.json, and the typed client matches it', () => {
    expect(JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8'))).toEqual(document);
    expect(readFileSync(CLIENT_SCHEMA_PATH, 'utf8')).toBe(
      generateClientSchema(DOCUMENT_PATH),
    );
  });

  describe('the response checker', () => {
    const exchange: Exchange = {
      method: 'GET',
      url: `${API}/sessions/active`,
      route: `${API}/sessions/active`,
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '"550e8400-e29b-41d4-a716-446655440000"',
    };
    const violations = (changes: Partial<Exchange>) =>
      new OpenApiContract(document as OpenApiDocument).violations({
        ...exchange,
        ...changes,
      });

    it('accepts a documented answer', () => {
      expect(violations({})).toEqual([]);
    });

    it.each<[string, Partial<Exchange>, string[]]>([
      [
        'an undocumented status',
        { status: 409 },
        ['status 409 is not documented'],
      ],
      [
        'a body off its schema',
        { body: '"not-a-uuid"' },
        ['does not match the documented schema'],
      ],
      [
        'a problem body missing its required fields',
        {
          status: 404,
          body: JSON.stringify({ status: 404, title: 'Not Found' }),
          headers: { 'content-type': 'application/problem+json' },
        },
        ['does not match the documented schema'],
      ],
      [
        'a missing required header and an undocumented media type',
        {
          status: 401,
          body: JSON.stringify({
            type: 'about:blank',
            title: 'Unauthorized',
            status: 401,
            detail: 'A bearer token is required',
          }),
          headers: { 'content-type': 'application/json' },
        },
        [
          'WWW-Authenticate is missing',
          'Content-Type application/json is not documented',
        ],
      ],
      [
        'a route the document does not have',
        { url: `${API}/other`, route: `${API}/other` },
        ['is not in the OpenAPI document'],
      ],
    ])('rejects %s', (_case, changes, expected) => {
      expect(violations(changes)).toEqual(
        expected.map((text) => expect.stringContaining(text)),
      );
    });
  });
});

describe('The typed client (clients/typescript)', () => {
  const t = useTestApp();
  let baseUrl: string;

  beforeAll(async () => {
    await t.app.listen(0, '127.0.0.1');
    baseUrl = await t.app.getUrl();
  });

  it('creates, lists, activates, renames, deactivates and deletes sessions end to end', async () => {
    const client = createSessionClient({ baseUrl, token: tokenFor(7) });

    const first = await client.POST('/api/v1/sessions', {
      body: { title: 'Notes' },
    });
    expect(first.response.status).toBe(201);
    expect(first.data).toMatchObject({
      title: 'Notes',
      active: true,
      user_id: 7,
    });
    const second = await client.POST('/api/v1/sessions', {
      body: { title: 'Report / Q4' },
    });
    expect(second.data?.active).toBe(true);

    const listed = await client.GET('/api/v1/sessions');
    expect(listed.data?.map((s) => [s.title, s.active])).toEqual([
      ['Notes', false],
      ['Report / Q4', true],
    ]);

    const activated = await client.POST('/api/v1/sessions/active/{title}', {
      params: { path: { title: 'Notes' } },
    });
    expect(activated.data).toEqual({
      detail: "'Notes' set as active session for user_id=7",
    });
    const active = await client.GET('/api/v1/sessions/active');
    expect(active.data).toBe(first.data?.id);

    const renamed = await client.PATCH('/api/v1/sessions/{title}', {
      params: { path: { title: 'Report / Q4' } },
      body: { title: 'Report / Q1' },
    });
    expect(renamed.data).toMatchObject({
      id: second.data?.id,
      title: 'Report / Q1',
      active: false,
    });

    const taken = await client.PATCH('/api/v1/sessions/{title}', {
      params: { path: { title: 'Report / Q1' } },
      body: { title: 'Notes' },
    });
    expect(taken.response.status).toBe(409);
    expect(taken.error).toMatchObject({
      type: 'urn:session-service:problem:session-title-taken',
      status: 409,
    });

    const deactivated = await client.POST('/api/v1/sessions/deactivate');
    expect(deactivated.data).toEqual({
      detail: "'Notes' deactivated for user_id=7",
    });
    const none = await client.GET('/api/v1/sessions/active');
    expect(none.response.status).toBe(404);
    expect(none.error?.detail).toBe('No active session found for user_id=7');

    for (const title of ['Notes', 'Report / Q1']) {
      const deleted = await client.DELETE('/api/v1/sessions/{title}', {
        params: { path: { title } },
      });
      expect(deleted.data).toEqual({ detail: 'Session deleted successfully' });
    }
    const empty = await client.GET('/api/v1/sessions');
    expect(empty.data).toEqual([]);
  });

  it('surfaces a bad token as the documented 401 problem', async () => {
    const client = createSessionClient({ baseUrl, token: 'not-a-jwt' });
    const { response, error } = await client.GET('/api/v1/sessions');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token"',
    );
    expect(error).toMatchObject({ status: 401, title: 'Unauthorized' });
  });
});
