import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError } from '../../../shared/errors';
import { parseConninfo, redactConninfo, toPgClientConfig } from './conninfo';

describe('parseConninfo, keyword/value form', () => {
  it('reads bare and quoted values with backslash escapes', () => {
    const info = parseConninfo(String.raw`host=db1 port=5433 user='a b' password=x\'y dbname = 'it\'s'`);
    assert.equal(info.host, 'db1');
    assert.equal(info.port, 5433);
    assert.equal(info.user, 'a b');
    assert.equal(info.password, "x'y");
    assert.equal(info.database, "it's");
  });

  it('keeps spaces and backslashes inside quotes', () => {
    const info = parseConninfo(String.raw`password='p w\\d' application_name='x=y'`);
    assert.equal(info.password, String.raw`p w\d`);
    assert.equal(info.applicationName, 'x=y');
  });

  it('accepts an empty string and empty quoted values', () => {
    assert.deepEqual(parseConninfo('').keywords, {});
    assert.equal(parseConninfo("password=''").password, '');
  });

  it('reads sslmode, connect_timeout and replication', () => {
    const info = parseConninfo('sslmode=verify-full connect_timeout=7 replication=database');
    assert.equal(info.sslmode, 'verify-full');
    assert.equal(info.connectTimeoutSeconds, 7);
    assert.equal(info.replication, 'database');
  });

  it('refuses unknown keywords, bad ports, bad sslmodes and broken syntax', () => {
    const expectInvalid = (text: string, pattern: RegExp): void => {
      assert.throws(() => parseConninfo(text), (error: unknown) => {
        assert.ok(error instanceof EngineError);
        assert.equal(error.code, 'config-invalid');
        assert.match(error.message, pattern);
        return true;
      });
    };
    expectInvalid('host=a hots=b', /unknown keyword 'hots'/);
    expectInvalid('port=99999', /invalid port/);
    expectInvalid('sslmode=sometimes', /invalid sslmode/);
    expectInvalid("user='unterminated", /unterminated/);
    expectInvalid('host', /missing "="/);
  });

  it('never echoes the rest of an unquoted password in errors', () => {
    assert.throws(() => parseConninfo('password=abc secret host=x'), (error: Error) => {
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
  });
});

describe('parseConninfo, URI form', () => {
  it('reads user, password, host, port, dbname and parameters', () => {
    const info = parseConninfo('postgresql://bar%20man:p%40ss@db1.example.com:6432/app%2Fdb?sslmode=require&application_name=bk');
    assert.equal(info.user, 'bar man');
    assert.equal(info.password, 'p@ss');
    assert.equal(info.host, 'db1.example.com');
    assert.equal(info.port, 6432);
    assert.equal(info.database, 'app/db');
    assert.equal(info.sslmode, 'require');
    assert.equal(info.applicationName, 'bk');
  });

  it('reads IPv6 hosts, the postgres:// scheme and minimal URIs', () => {
    const info = parseConninfo('postgres://[::1]:5432/postgres');
    assert.equal(info.host, '::1');
    assert.equal(info.port, 5432);
    assert.deepEqual(parseConninfo('postgresql://').keywords, {});
    assert.equal(parseConninfo('postgresql://localhost').host, 'localhost');
    assert.equal(parseConninfo('postgresql:///mydb?host=/var/run/postgresql').host, '/var/run/postgresql');
  });

  it('maps ssl=true to sslmode=require and refuses unknown parameters', () => {
    assert.equal(parseConninfo('postgresql://h/db?ssl=true').sslmode, 'require');
    assert.throws(() => parseConninfo('postgresql://h/db?sslmod=require'), /unknown keyword 'sslmod'/);
  });
});

describe('toPgClientConfig', () => {
  it('maps the common keywords', () => {
    const config = toPgClientConfig(parseConninfo('host=127.0.0.1 port=5444 user=postgres dbname=db password=pw application_name=a connect_timeout=3 sslmode=disable'));
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 5444);
    assert.equal(config.user, 'postgres');
    assert.equal(config.database, 'db');
    assert.equal(config.password, 'pw');
    assert.equal(config.application_name, 'a');
    assert.equal(config.connectionTimeoutMillis, 3000);
    assert.equal(config.ssl, false);
    assert.equal(config.replication, undefined);
  });

  it('opens a physical replication session when asked', () => {
    assert.equal(toPgClientConfig(parseConninfo('host=h'), { replication: true }).replication, 'true');
  });

  it('maps sslmode to TLS verification', () => {
    assert.deepEqual(toPgClientConfig(parseConninfo('sslmode=require')).ssl, { rejectUnauthorized: false });
    const verifyFull = toPgClientConfig(parseConninfo('sslmode=verify-full')).ssl;
    assert.ok(typeof verifyFull === 'object' && verifyFull.rejectUnauthorized === true);
    assert.equal(verifyFull.checkServerIdentity, undefined);
    const verifyCa = toPgClientConfig(parseConninfo('sslmode=verify-ca')).ssl;
    assert.ok(typeof verifyCa === 'object' && typeof verifyCa.checkServerIdentity === 'function');
    assert.equal(toPgClientConfig(parseConninfo('host=h')).ssl, undefined);
  });

  it('connects to hostaddr and refuses what pg cannot honour', () => {
    assert.equal(toPgClientConfig(parseConninfo('host=db hostaddr=10.0.0.1')).host, '10.0.0.1');
    assert.throws(() => toPgClientConfig(parseConninfo('service=main')), /'service' is not supported/);
    assert.throws(() => toPgClientConfig(parseConninfo('host=a,b')), /several hosts/);
  });
});

describe('redactConninfo', () => {
  it('removes passwords from the keyword/value form and keeps the rest as written', () => {
    assert.equal(redactConninfo("host=db1 password='s e c' user=bm"), 'host=db1 user=bm');
    assert.equal(redactConninfo(String.raw`password=x\'y host=db1`), 'host=db1');
    assert.equal(redactConninfo('host=db1'), 'host=db1');
  });

  it('removes passwords from URIs', () => {
    assert.equal(redactConninfo('postgresql://bm:secret@db1:5432/postgres'), 'postgresql://bm@db1:5432/postgres');
    assert.equal(redactConninfo('postgresql://db1/postgres?password=secret&sslmode=require'), 'postgresql://db1/postgres?sslmode=require');
    assert.equal(redactConninfo('postgresql://db1/postgres?sslmode=require&password=secret'), 'postgresql://db1/postgres?sslmode=require');
  });

  it('scrubs unparseable text too', () => {
    const redacted = redactConninfo("host=db1 password='secret");
    assert.doesNotMatch(redacted, /secret/);
  });
});
