// The errors the application throws on purpose; filters/ maps each to a problem response.
export * from './domain-error';
export * from './http-errors';
