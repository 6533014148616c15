// The one check of an error answer: its status, RFC 9457's media type and the given fields.
import { PROBLEM_JSON } from './constants';

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
}

export function expectProblem(
  response: Answer,
  status: number,
  fields: Record<string, unknown> = {},
): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
  expect(response.body).toMatchObject({ status, ...fields });
}
