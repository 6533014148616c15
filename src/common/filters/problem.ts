import { STATUS_CODES } from 'node:http';
import type { FieldError } from '../errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_PREFIX = 'urn:session-service:problem:';

/** RFC 9457 problem details; `detail` is what the FastAPI service's clients read. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  request_id?: string;
}

export class Problem {
  readonly headers: Record<string, string> = {};

  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code?: string,
    readonly errors?: FieldError[],
  ) {}

  withHeader(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }

  toBody(requestId?: string): ProblemDetails {
    return {
      type: this.code ? PROBLEM_TYPE_PREFIX + this.code : 'about:blank',
      title: STATUS_CODES[this.status] ?? 'Error',
      status: this.status,
      detail: this.detail,
      ...(this.errors ? { errors: this.errors } : {}),
      ...(requestId ? { request_id: requestId } : {}),
    };
  }
}
