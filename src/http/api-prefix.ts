// The URL prefix of every API route (the health, metrics and docs routes sit outside it).
export const API_PREFIX = 'api/v1';

export function isApiUrl(url: string): boolean {
  return url.startsWith(`/${API_PREFIX}/`) || url === `/${API_PREFIX}`;
}
