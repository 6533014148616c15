import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { useCheapAsyncResourceBind } from './async-resource-bind';

describe('useCheapAsyncResourceBind', () => {
  const original = AsyncResource.prototype.bind;
  beforeAll(() => useCheapAsyncResourceBind());
  afterAll(() => {
    AsyncResource.prototype.bind = original;
  });

  it('runs the bound function in the async context it was bound in', async () => {
    const storage = new AsyncLocalStorage<string>();
    const bound = storage.run('bound here', () =>
      AsyncResource.bind(() => storage.getStore()),
    );
    const seen = await storage.run('called here', () =>
      Promise.resolve().then(bound),
    );
    expect(seen).toBe('bound here');
  });

  it('passes the arguments and the call-time `this` without a thisArg', () => {
    const bound = AsyncResource.bind(function (
      this: unknown,
      a: number,
      b: number,
    ) {
      return `${(this as { name: string }).name}:${a + b}`;
    });
    expect(bound.call({ name: 'caller' }, 2, 3)).toBe('caller:5');
  });

  it('uses the given thisArg when there is one', () => {
    const target = { name: 'given' };
    const bound = AsyncResource.bind(
      function (this: { name: string }) {
        return this.name;
      },
      'test',
      target,
    );
    expect(bound.call({ name: 'other' })).toBe('given');
  });

  it('no longer builds the deprecated asyncResource property', () => {
    expect(AsyncResource.bind(() => 1)).not.toHaveProperty('asyncResource');
  });
});
