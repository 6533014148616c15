// How deep a parsed JSON value nests, checked without recursion.

/** Validation walks bodies recursively; a hostile nesting depth must not reach it. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) {
      continue;
    }
    if (depth > limit) {
      return true;
    }
    for (const child of Object.values(node)) {
      pending.push([child, depth + 1]);
    }
  }
  return false;
}
