import { FenceReplayQueue } from './fence-replay-queue';

describe('FenceReplayQueue', () => {
  const written = () => {
    const log: Array<[string, number]> = [];
    const write = (key: string, ttlSeconds: number) => {
      log.push([key, ttlSeconds]);
      return Promise.resolve();
    };
    return { log, write };
  };

  it('replays every remembered fence once, with its latest TTL, and is then empty', async () => {
    const queue = new FenceReplayQueue();
    queue.remember(['a', 'b'], 30);
    queue.remember(['a'], 60);
    const { log, write } = written();

    await queue.replay(write);

    expect(log).toEqual([
      ['a', 60],
      ['b', 30],
    ]);
    expect(queue.size).toBe(0);
  });

  it('refuses new fences once it holds its limit of keys', () => {
    const queue = new FenceReplayQueue(2);
    expect(queue.remember(['a', 'b'], 30)).toBe(true);
    expect(queue.remember(['c'], 30)).toBe(false);
    expect(queue.size).toBe(2);
  });

  it('replays in batches, including fences remembered while replaying', async () => {
    const queue = new FenceReplayQueue(100, 2);
    queue.remember(['a', 'b', 'c'], 30);
    const batches: string[][] = [[]];
    await queue.replay((key) => {
      batches[batches.length - 1].push(key);
      if (key === 'b') {
        batches.push([]);
        queue.remember(['d'], 30);
      }
      return Promise.resolve();
    });

    expect(batches).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(queue.size).toBe(0);
  });

  it('keeps a failed batch for the next replay and rethrows, without undoing a newer fence', async () => {
    const queue = new FenceReplayQueue(100, 2);
    queue.remember(['a', 'b'], 30);
    const failure = new Error('Redis went away');

    await expect(
      queue.replay((key) => {
        if (key === 'a') {
          queue.remember(['a'], 90);
          return Promise.reject(failure);
        }
        return Promise.resolve();
      }),
    ).rejects.toBe(failure);

    expect(queue.size).toBe(2);
    const { log, write } = written();
    await queue.replay(write);
    expect(log).toEqual(
      expect.arrayContaining([
        ['a', 90],
        ['b', 30],
      ]),
    );
    expect(log).toHaveLength(2);
  });
});
