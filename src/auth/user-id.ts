export const MAX_USER_ID = 2_147_483_647;

const PLAIN_DECIMAL = /^[1-9][0-9]{0,9}$/;

/**
 * The user id carried by `sub`: a positive 32-bit integer, as the auth service's plain
 * decimal string (`"42"`: no sign, spaces or leading zeros) or as a JSON number.
 */
export function parseUserId(sub: unknown): number | undefined {
  const id =
    typeof sub === 'string' && PLAIN_DECIMAL.test(sub)
      ? Number(sub)
      : typeof sub === 'number' && Number.isInteger(sub)
        ? sub
        : undefined;
  return id !== undefined && id >= 1 && id <= MAX_USER_ID ? id : undefined;
}
