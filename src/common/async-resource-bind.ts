// AsyncResource#bind without the deprecated `asyncResource` property, which made it slow.
import { AsyncResource } from 'node:async_hooks';

type Bindable = (this: any, ...args: any[]) => unknown;

/**
 * Nest's interceptor chain calls `AsyncResource.bind` twice for every request whose
 * interceptor runs the handler (every cache miss). On Node 20 each call also builds two
 * `util.deprecate` wrappers for the bound function's deprecated `asyncResource` property
 * (DEP0172): 26 µs a call, against 0.3 µs for the binding itself (docs/benchmarks.md).
 * Installed for the process, so `AsyncResource.bind` and `resource.bind` alike bind as Node
 * does, with the same scope, `this` and arguments, minus that property, which nothing in
 * this service or its dependencies reads.
 */
export function useCheapAsyncResourceBind(): void {
  AsyncResource.prototype.bind = function <Func extends Bindable>(
    this: AsyncResource,
    fn: Func,
    thisArg?: unknown,
  ): Func {
    if (thisArg !== undefined) {
      return this.runInAsyncScope.bind(this, fn, thisArg) as Func;
    }
    const runInScope = this.runInAsyncScope.bind(this);
    return function (this: unknown, ...args: unknown[]) {
      return runInScope(fn, this, ...args);
    } as Func;
  };
}
