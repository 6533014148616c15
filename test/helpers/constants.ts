// Values the e2e suites share: where the API lives and the shapes its answers take.
export const API = '/api/v1';

export const SESSIONS = `${API}/sessions`;

export const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The Content-Type of every error (RFC 9457 problem details). */
export const PROBLEM_JSON = /^application\/problem\+json/;

/** The session API's operations, named as `method path` of the OpenAPI document. */
export const API_OPERATIONS = [
  'get /api/v1/sessions',
  'get /api/v1/sessions/active',
  'post /api/v1/sessions',
  'post /api/v1/sessions/deactivate',
  'post /api/v1/sessions/active/{title}',
  'patch /api/v1/sessions/{title}',
  'delete /api/v1/sessions/{title}',
] as const;
