/** True when dist/ is missing or a source changed after the newest output was written. */
export function distIsStale(): boolean;
/** Builds dist/ when it is stale; the build's exit status (0 when nothing was to do). */
export function buildIfStale(log?: (message: string) => void): number;
/** buildIfStale for scripts and tests: a failed build is an error. */
export function ensureBuilt(log?: (message: string) => void): void;
