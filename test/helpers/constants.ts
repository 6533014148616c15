// Values the e2e suites share: where the API lives and the shapes its answers take.
export const API = '/api/v1';

export const SESSIONS = `${API}/sessions`;

export const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The Content-Type of every error (RFC 9457 problem details). */
export const PROBLEM_JSON = /^application\/problem\+json/;
