import type { ValidationError } from 'class-validator';
import type { FieldError } from './problem';

/** A request body or parameter that fails its DTO's rules: answered with 422. */
export class RequestValidationError extends Error {
  constructor(readonly errors: FieldError[]) {
    super('The request body is invalid');
    this.name = 'RequestValidationError';
  }

  static fromValidationErrors(
    errors: ValidationError[],
  ): RequestValidationError {
    const fieldErrors: FieldError[] = [];
    const walk = (error: ValidationError, path: string): void => {
      const field = path ? `${path}.${error.property}` : error.property;
      for (const message of Object.values(error.constraints ?? {})) {
        fieldErrors.push({ field, message });
      }
      for (const child of error.children ?? []) {
        walk(child, field);
      }
    };
    errors.forEach((error) => walk(error, ''));
    return new RequestValidationError(fieldErrors);
  }
}
