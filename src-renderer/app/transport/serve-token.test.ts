/**
 * Unit tests for taking the serve token from the page address once, keeping it
 * for the session, and removing it from the address bar.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serveTokenStorageKey, takeServeToken } from './serve-token';

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    items,
  };
}

test('a token in the address is kept and removed from the address, other parts stay', () => {
  const storage = memoryStorage();
  const replaced: string[] = [];
  const token = takeServeToken({
    href: 'http://127.0.0.1:7070/?token=abc123&view=wide#/jobs',
    storage,
    replaceUrl: (url) => replaced.push(url),
  });
  assert.equal(token, 'abc123');
  assert.equal(storage.items.get(serveTokenStorageKey), 'abc123');
  assert.deepEqual(replaced, ['/?view=wide#/jobs']);
});

test('without a token in the address the stored one is used and the address is left alone', () => {
  const replaced: string[] = [];
  const token = takeServeToken({
    href: 'http://127.0.0.1:7070/#/servers',
    storage: memoryStorage({ [serveTokenStorageKey]: 'stored' }),
    replaceUrl: (url) => replaced.push(url),
  });
  assert.equal(token, 'stored');
  assert.deepEqual(replaced, []);
});

test('no token anywhere, or storage that throws, gives null rather than an exception', () => {
  assert.equal(takeServeToken({ href: 'http://127.0.0.1:7070/', storage: memoryStorage(), replaceUrl: () => {} }), null);
  const throwing = {
    getItem: (): string | null => {
      throw new Error('storage disabled');
    },
    setItem: () => {
      throw new Error('storage disabled');
    },
  };
  assert.equal(takeServeToken({ href: 'http://127.0.0.1:7070/', storage: throwing, replaceUrl: () => {} }), null);
  assert.equal(
    takeServeToken({ href: 'http://127.0.0.1:7070/?token=t0k', storage: throwing, replaceUrl: () => {} }),
    't0k',
  );
});
