import {
  registerDecorator,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';

export const MAX_TITLE_LENGTH = 255;

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const WHITESPACE_ONLY = /^\s*$/u;

/** Why `value` is not a valid title, or `undefined` when it is one. */
export function titleProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') {
    return 'title must be a string';
  }
  if (!value.isWellFormed()) {
    return 'title must be valid Unicode (it contains a lone surrogate)';
  }
  const length = [...value].length;
  if (length < 1 || length > MAX_TITLE_LENGTH) {
    return `title must be 1 to ${MAX_TITLE_LENGTH} characters long`;
  }
  if (WHITESPACE_ONLY.test(value)) {
    return 'title must not be only whitespace';
  }
  if (CONTROL_CHARACTER.test(value)) {
    return 'title must not contain control characters';
  }
  return undefined;
}

/**
 * A session title: 1-255 Unicode characters (code points), not whitespace-only, no
 * control characters. Kept exactly as sent: no trimming, no case folding.
 */
export function IsSessionTitle(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isSessionTitle',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => titleProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          titleProblem(args?.value) ?? 'title is invalid',
      },
    });
}
