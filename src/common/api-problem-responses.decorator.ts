import {
  applyDecorators,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import {
  AuthenticationError,
  MalformedJsonError,
  MalformedUrlError,
  RateLimitedError,
  RequestValidationError,
  UnsupportedContentEncodingError,
} from './errors';
import { PROBLEM_CONTENT_TYPE } from './filters/problem';
import { INTERNAL_ERROR, toProblem } from './filters/to-problem';
import { ProblemDetailsDto } from './problem-details.dto';

const EXAMPLE_REQUEST_ID = 'b3c1c7a4-6f3e-4f7e-9a51-0d2f6c1a9e11';

/** One way a route can fail, illustrated by an error the application really throws. */
export interface ProblemCase {
  name: string;
  description: string;
  error: unknown;
}

const HEADERS: Record<string, { description: string; schema: object }> = {
  'WWW-Authenticate': {
    description: 'The bearer challenge (RFC 6750)',
    schema: { type: 'string', example: 'Bearer error="invalid_token"' },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: { type: 'integer', minimum: 0, example: 1 },
  },
};

/**
 * Documents problem-details responses from the errors that produce them: the status,
 * the example bodies and the headers all come from `toProblem`, so the document cannot
 * claim a status, body or header the filter would not send.
 */
export function ApiProblemResponses(
  ...cases: ProblemCase[]
): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ProblemCase[]>();
  for (const problemCase of cases) {
    const status = (toProblem(problemCase.error) ?? INTERNAL_ERROR).status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), problemCase]);
  }
  const decorators = [...byStatus].map(([status, group]) => {
    const problems = group.map(
      (problemCase) => toProblem(problemCase.error) ?? INTERNAL_ERROR,
    );
    const headerNames = [
      ...new Set(problems.flatMap((problem) => Object.keys(problem.headers))),
    ];
    return ApiResponse({
      status,
      description: group
        .map((problemCase) => problemCase.description)
        .join('; '),
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: { $ref: getSchemaPath(ProblemDetailsDto) },
          examples: Object.fromEntries(
            group.map((problemCase, index) => [
              problemCase.name,
              {
                summary: problemCase.description,
                value: problems[index].toBody(EXAMPLE_REQUEST_ID),
              },
            ]),
          ),
        },
      },
      ...(headerNames.length > 0
        ? {
            headers: Object.fromEntries(
              headerNames.map((name) => [
                name,
                {
                  ...(HEADERS[name] ?? {
                    description: name,
                    schema: { type: 'string' },
                  }),
                  required: problems.every(
                    (problem) => name in problem.headers,
                  ),
                },
              ]),
            ),
          }
        : {}),
    });
  });
  return applyDecorators(ApiExtraModels(ProblemDetailsDto), ...decorators);
}

export const MISSING_TOKEN: ProblemCase = {
  name: 'missing-token',
  description: 'No bearer token',
  error: new AuthenticationError('A bearer token is required', false),
};

export const INVALID_TOKEN: ProblemCase = {
  name: 'invalid-token',
  description:
    'The token is malformed, expired, wrongly signed or names no valid user',
  error: new AuthenticationError('The token is invalid', true),
};

export const RATE_LIMITED: ProblemCase = {
  name: 'rate-limited',
  description: 'Over the per-user request limit',
  error: new RateLimitedError(30),
};

export const DATABASE_UNAVAILABLE: ProblemCase = {
  name: 'database-unavailable',
  description: 'PostgreSQL is unreachable or timing out',
  error: Object.assign(new Error('connect ECONNREFUSED'), {
    code: 'ECONNREFUSED',
  }),
};

export const UNEXPECTED_FAILURE: ProblemCase = {
  name: 'internal-error',
  description: 'An unexpected failure (logged with the request id)',
  error: new Error('unexpected'),
};

export const COMPRESSED_BODY: ProblemCase = {
  name: 'content-encoding',
  description: 'The request declares a Content-Encoding other than identity',
  error: new UnsupportedContentEncodingError(),
};

export const BODY_NOT_JSON: ProblemCase = {
  name: 'not-json',
  description: 'The body is not application/json',
  error: new UnsupportedMediaTypeException(),
};

export const MALFORMED_JSON: ProblemCase = {
  name: 'malformed-json',
  description: 'The body is not valid JSON (the payload is never echoed)',
  error: new MalformedJsonError(),
};

export const BODY_TOO_LARGE: ProblemCase = {
  name: 'body-too-large',
  description: 'The body exceeds 16 KiB',
  error: new PayloadTooLargeException(),
};

export const BODY_NOT_AN_OBJECT: ProblemCase = {
  name: 'body-not-an-object',
  description: 'The JSON body is not an object',
  error: new RequestValidationError([
    { field: 'body', message: 'the request body must be a JSON object' },
  ]),
};

export const MALFORMED_PATH: ProblemCase = {
  name: 'malformed-percent-escape',
  description: 'The path holds a malformed percent-escape',
  error: new MalformedUrlError(),
};

/** What every authenticated route can answer, whatever it does. */
export const ApiAuthenticatedRouteProblems = () =>
  ApiProblemResponses(
    MISSING_TOKEN,
    INVALID_TOKEN,
    RATE_LIMITED,
    DATABASE_UNAVAILABLE,
    UNEXPECTED_FAILURE,
  );

/** Fastify parses a body on POST, PATCH and DELETE whenever one is sent. */
export const BODY_PROBLEMS: ProblemCase[] = [
  MALFORMED_JSON,
  BODY_TOO_LARGE,
  BODY_NOT_JSON,
  COMPRESSED_BODY,
  BODY_NOT_AN_OBJECT,
];
