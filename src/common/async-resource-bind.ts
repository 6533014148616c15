// AsyncResource#bind without the deprecated `asyncResource` property, which made it slow.
import { AsyncResource } from 'node:async_hooks';

/**
 * Nest's interceptor chain calls `AsyncResource.bind` twice for every request whose
 * interceptor runs the handler (a cache miss, a write). On Node 20 each call also builds two
 * `util.deprecate` wrappers for the bound function's deprecated `asyncResource` property
 * (DEP0172): 26 µs a call, against 0.3 µs for the binding itself (docs/benchmarks.md).
 * This is Node's binding, the same scope, `this` and arguments, minus that property,
 * which nothing in this service or its dependencies reads.
 */

type Bindable = (this: any, ...args: any[]) => unknown;

export function bindInAsyncScope<Func extends Bindable>(
  resource: AsyncResource,
  fn: Func,
  thisArg?: unknown,
): Func {
  if (thisArg !== undefined) {
    return resource.runInAsyncScope.bind(resource, fn, thisArg) as Func;
  }
  return function (this: unknown, ...args: unknown[]) {
    return resource.runInAsyncScope(fn, this, ...args);
  } as Func;
}

/** Installs it for the process: `AsyncResource.bind` and `new AsyncResource().bind` alike. */
export function useCheapAsyncResourceBind(): void {
  AsyncResource.prototype.bind = function <Func extends Bindable>(
    this: AsyncResource,
    fn: Func,
    thisArg?: unknown,
  ): Func {
    return bindInAsyncScope(this, fn, thisArg);
  };
}
