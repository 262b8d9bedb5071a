/**
 * Unit tests for matching a connection to a stored password: libpq's defaults
 * filled in, the exact conninfo or the same host, port and user, and
 * registered sources asked in turn until one answers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConninfo } from './conninfo';
import { addPasswordLookup, conninfoReaches, findStoredPassword, targetOf } from './stored-passwords';

const env = { PGHOST: 'envhost', PGPORT: '6543', PGUSER: 'envuser' };

test('the target takes hostaddr before host, then the environment, then libpq\'s defaults', () => {
  assert.deepEqual(targetOf(parseConninfo('host=db1 hostaddr=10.0.0.1 port=5433 user=barkeep'), env), { host: '10.0.0.1', port: 5433, user: 'barkeep' });
  assert.deepEqual(targetOf(parseConninfo('dbname=postgres'), env), { host: 'envhost', port: 6543, user: 'envuser' });
  assert.equal(targetOf(parseConninfo('user=x'), {}).host, 'localhost');
  assert.equal(targetOf(parseConninfo('user=x'), {}).port, 5432);
});

test('a server\'s conninfo reaches a target exactly, by the same role, or not at all', () => {
  const target = { conninfo: 'host=db1 port=5432 user=barkeep dbname=postgres', host: 'db1', port: 5432, user: 'barkeep' };
  assert.equal(conninfoReaches(['host=db1 port=5432 user=barkeep dbname=postgres', null], target), 'exact');
  // Another database of the same role on the same server: pgpass's wildcard database.
  assert.equal(conninfoReaches(['postgresql://barkeep@db1:5432/other'], target), 'same-role');
  assert.equal(conninfoReaches([null, 'host=db1 user=barkeep replication=true'], target), 'same-role');
  assert.equal(conninfoReaches(['host=db1 port=5433 user=barkeep'], target), null);
  assert.equal(conninfoReaches(['host=db1 user=postgres'], target), null);
  assert.equal(conninfoReaches(['host=db1 nonsense=1'], target), null, 'a conninfo that does not parse reaches nothing');
});

test('registered sources are asked in turn; unregistering one stops it answering', () => {
  const asked: string[] = [];
  const stopFirst = addPasswordLookup((target) => {
    asked.push(`first ${target.host}:${target.port}:${target.user}`);
    return target.user === 'one' ? 'pw-one' : undefined;
  });
  const stopSecond = addPasswordLookup((target) => (target.user === 'two' ? 'pw-two' : undefined));
  try {
    assert.equal(findStoredPassword('host=db1 port=5432 user=one'), 'pw-one');
    assert.equal(findStoredPassword('host=db1 port=5432 user=two'), 'pw-two');
    assert.equal(findStoredPassword('host=db1 port=5432 user=three'), undefined);
    assert.deepEqual(asked, ['first db1:5432:one', 'first db1:5432:two', 'first db1:5432:three']);
    stopFirst();
    assert.equal(findStoredPassword('host=db1 port=5432 user=one'), undefined);
  } finally {
    stopFirst();
    stopSecond();
  }
});
