/** The example problems and path parameter the sessions routes document in OpenAPI. */
import type { ApiParamOptions } from '@nestjs/swagger';
import type { ProblemCase } from '../common/api-problem-responses.decorator';
import { RequestValidationError } from '../common/errors';
import * as errors from './sessions.errors';

export const TITLE_PARAM: ApiParamOptions = {
  name: 'title',
  description:
    'The session title as one percent-encoded path segment (`a%2Fb` is the title `a/b`)',
  example: 'Data Analysis Project',
};

export const EXAMPLE_TITLE = 'Data Analysis Project';

export const NO_ACTIVE_SESSION: ProblemCase = {
  name: 'active-session-not-found',
  description: 'No session is active',
  error: new errors.NoActiveSessionError(1),
};
export const NO_SUCH_TITLE: ProblemCase = {
  name: 'session-not-found',
  description: 'No session has this title',
  error: new errors.SessionNotFoundError(1, EXAMPLE_TITLE),
};
export const TITLE_TAKEN: ProblemCase = {
  name: 'session-title-taken',
  description: 'Another session of the caller has this title',
  error: new errors.SessionTitleTakenError(1, EXAMPLE_TITLE),
};
export const CONCURRENT_CHANGE: ProblemCase = {
  name: 'session-conflict',
  description: 'A concurrent change won; safe to retry',
  error: new errors.SessionConflictError(1),
};
export const INVALID_TITLE: ProblemCase = {
  name: 'validation-failed',
  description: 'The title is invalid',
  error: new RequestValidationError([
    { field: 'title', message: 'title must be 1 to 255 characters long' },
  ]),
};

export const LIMIT_REACHED: ProblemCase = {
  name: 'session-limit-reached',
  description: 'The caller already holds MAX_SESSIONS_PER_USER sessions',
  error: new errors.SessionLimitReachedError(1, 1000),
};

export const ACTIVE_DELETION: ProblemCase = {
  name: 'active-session-deletion',
  description: 'The session is active',
  error: new errors.ActiveSessionDeletionError(EXAMPLE_TITLE),
};
