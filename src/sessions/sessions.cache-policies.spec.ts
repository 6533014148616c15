import { randomUUID } from 'node:crypto';
import {
  activeSessionIdPolicy,
  CheckedLists,
  SessionListPolicy,
} from './sessions.cache-policies';

const sessionOf = (userId: number, title: string) => ({
  id: randomUUID(),
  user_id: userId,
  title,
  active: false,
  created_at: '2026-11-28T09:30:00.000Z',
  updated_at: '2026-11-28T09:30:00.000Z',
});

describe('SessionListPolicy', () => {
  let sessionListPolicy: SessionListPolicy;
  beforeEach(() => (sessionListPolicy = new SessionListPolicy()));
  afterEach(() => jest.restoreAllMocks());

  it('serves a list of the caller’s sessions as the stored string', () => {
    const raw = JSON.stringify([sessionOf(1, 'a'), sessionOf(1, 'b')]);
    expect(sessionListPolicy.fromCache(raw, 1)).toBe(raw);
  });

  it.each([
    ['another user’s list', JSON.stringify([sessionOf(2, 'a')])],
    ['a mixed list', JSON.stringify([sessionOf(1, 'a'), sessionOf(2, 'b')])],
    ['garbage', 'garbage'],
    ['truncated JSON', '[{"id":'],
    ['numbers', '[1,2,3]'],
    ['a fence', '~fence:abc:1'],
  ])('treats %s as a miss', (_name, raw) => {
    expect(sessionListPolicy.fromCache(raw, 1)).toBeUndefined();
  });

  it('parses a long list once: the same string for the same user is served unparsed', () => {
    const raw = JSON.stringify(
      Array.from({ length: 300 }, (_, i) => sessionOf(3, `s${i}`)),
    );
    const parse = jest.spyOn(JSON, 'parse');
    expect(sessionListPolicy.fromCache(raw, 3)).toBe(raw);
    expect(sessionListPolicy.fromCache(raw, 3)).toBe(raw);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('never lets one user’s checked list through for another user', () => {
    const raw = JSON.stringify(
      Array.from({ length: 300 }, (_, i) => sessionOf(4, `s${i}`)),
    );
    expect(sessionListPolicy.fromCache(raw, 4)).toBe(raw);
    expect(sessionListPolicy.fromCache(raw, 5)).toBeUndefined();
  });
});

describe('CheckedLists', () => {
  it('keeps the newest lists within its character budget', () => {
    const lists = new CheckedLists(10);
    lists.remember(1, '[1234]');
    lists.remember(2, '[5678]');
    expect(lists.has(1, '[1234]')).toBe(false);
    expect(lists.has(2, '[5678]')).toBe(true);
  });

  it('skips lists shorter than its minimum', () => {
    const lists = new CheckedLists(100, 5);
    lists.remember(1, '[1]');
    lists.remember(2, '[1,2,3]');
    expect(lists.has(1, '[1]')).toBe(false);
    expect(lists.has(2, '[1,2,3]')).toBe(true);
  });

  it('forgets a user’s previous list when a new one is checked, and skips oversized ones', () => {
    const lists = new CheckedLists(10);
    lists.remember(1, '[1]');
    lists.remember(1, '[2]');
    expect(lists.has(1, '[1]')).toBe(false);
    expect(lists.has(1, '[2]')).toBe(true);
    lists.remember(1, '[0123456789]');
    expect(lists.has(1, '[2]')).toBe(false);
    expect(lists.has(1, '[0123456789]')).toBe(false);
  });
});

describe('activeSessionIdPolicy', () => {
  it('stores the bare UUID and answers it as a JSON string', () => {
    const id = randomUUID();
    expect(activeSessionIdPolicy.toCache(id, JSON.stringify(id))).toBe(id);
    expect(activeSessionIdPolicy.fromCache(id, 1)).toBe(JSON.stringify(id));
    expect(activeSessionIdPolicy.fromCache('~fence:x:1', 1)).toBeUndefined();
  });
});
