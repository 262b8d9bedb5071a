import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeptConnections } from './kept-connections';
import type { KeepableConnection } from './kept-connections';

/** A connection that records what the keeper did with it. */
function connection(): KeepableConnection & { closes: number; active: boolean[]; end(): void } {
  let closed = false;
  const record = {
    closes: 0,
    active: [] as boolean[],
    get closed() {
      return closed;
    },
    setActive: (active: boolean) => {
      record.active.push(active);
    },
    close: async () => {
      record.closes += 1;
      closed = true;
    },
    end: () => {
      closed = true;
    },
  };
  return record;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('kept connections', () => {
  it('gives a kept connection back once, active again, and no longer lets it hold the process meanwhile', async () => {
    const keeper = new KeptConnections<ReturnType<typeof connection>>();
    const kept = connection();
    await keeper.keep('a', kept, 60_000);
    assert.deepEqual(kept.active, [false]);
    assert.equal(keeper.take('b'), null, 'another login has nothing kept');
    assert.equal(keeper.take('a'), kept);
    assert.deepEqual(kept.active, [false, true]);
    assert.equal(keeper.take('a'), null, 'taken out: a second backup logs in anew');
    assert.equal(kept.closes, 0);
  });

  it('closes a connection left idle past its time', async () => {
    const keeper = new KeptConnections<ReturnType<typeof connection>>();
    const kept = connection();
    await keeper.keep('a', kept, 20);
    await sleep(60);
    assert.equal(kept.closes, 1);
    assert.equal(kept.active.at(-1), true, 'held the process open while it closed');
    assert.equal(keeper.take('a'), null);
    assert.equal(keeper.size, 0);
  });

  it('closes at once when nothing is to be kept, or the connection already ended', async () => {
    const keeper = new KeptConnections<ReturnType<typeof connection>>();
    const zero = connection();
    await keeper.keep('a', zero, 0);
    assert.equal(zero.closes, 1);
    const ended = connection();
    ended.end();
    await keeper.keep('a', ended, 60_000);
    assert.equal(keeper.size, 0);
  });

  it('does not give back a connection that ended while kept', async () => {
    const keeper = new KeptConnections<ReturnType<typeof connection>>();
    const kept = connection();
    await keeper.keep('a', kept, 60_000);
    kept.end();
    assert.equal(keeper.take('a'), null);
  });

  it('keeps one connection per login, closing the one kept before', async () => {
    const keeper = new KeptConnections<ReturnType<typeof connection>>();
    const first = connection();
    const second = connection();
    await keeper.keep('a', first, 60_000);
    await keeper.keep('a', second, 60_000);
    assert.equal(first.closes, 1);
    assert.equal(keeper.take('a'), second);
  });

  it('keeps a connection given twice once, open', async () => {
    const keeper = new KeptConnections<ReturnType<typeof connection>>();
    const kept = connection();
    await keeper.keep('a', kept, 60_000);
    await keeper.keep('a', kept, 60_000);
    assert.equal(kept.closes, 0);
    assert.equal(keeper.take('a'), kept);
  });

  it('closes everything it keeps on closeAll, and a later idle timer touches nothing', async () => {
    const keeper = new KeptConnections<ReturnType<typeof connection>>();
    const one = connection();
    const two = connection();
    await keeper.keep('a', one, 20);
    await keeper.keep('b', two, 20);
    await keeper.closeAll();
    assert.deepEqual([one.closes, two.closes], [1, 1]);
    await sleep(60);
    assert.deepEqual([one.closes, two.closes], [1, 1]);
  });
});
