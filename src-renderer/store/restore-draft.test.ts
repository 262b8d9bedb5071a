/**
 * The composer's draft as a contract request: what is missing is named, a
 * local date-time carries this machine's zone (here Europe/Berlin, so winter
 * and summer offsets differ), destinations and tablespace rows as typed.
 */
process.env.TZ = 'Europe/Berlin';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composePlanRequest, emptyRestoreDraft, localInputOf, parseLocalInput, zonedTimeOf } from './restore-draft';

test('a local date-time gets the zone in force on that date; an incomplete one is none', () => {
  assert.equal(zonedTimeOf('2026-11-24T04:30:05'), '2026-11-24T04:30:05+01:00');
  assert.equal(zonedTimeOf('2026-07-01T12:00'), '2026-07-01T12:00:00+02:00', 'seconds added, summer time');
  assert.equal(zonedTimeOf(''), null);
  assert.equal(zonedTimeOf('2026-11-24'), null);
  // 03:30:05 UTC is 04:30:05 in Berlin in November.
  assert.equal(parseLocalInput('2026-11-24T04:30:05')?.toISOString(), '2026-11-24T03:30:05.000Z');
  assert.equal(localInputOf(Date.parse('2026-11-24T03:30:05.700Z')), '2026-11-24T04:30:05');
});

test('what is missing, in order: the server, then the target fields', () => {
  assert.deepEqual(composePlanRequest(emptyRestoreDraft), { ok: false, missing: 'Choose the server to restore.' });
  const withServer = { ...emptyRestoreDraft, server: 'pg' };
  assert.deepEqual(composePlanRequest({ ...withServer, targetKind: 'time' }), { ok: false, missing: 'Pick the point in time, on the timeline or in the date and time field.' });
  assert.deepEqual(composePlanRequest({ ...withServer, targetKind: 'xid', xid: '  ' }), { ok: false, missing: 'Type the transaction id.' });
  assert.equal(composePlanRequest({ ...withServer, targetKind: 'lsn' }).ok, false);
  assert.equal(composePlanRequest({ ...withServer, targetKind: 'name' }).ok, false);
});

test('a complete draft: the target, exclusive only where it applies, a destination once a folder is typed, moved tablespaces only', () => {
  const draft = {
    ...emptyRestoreDraft, server: 'pg', backup: '20261124T030000', targetKind: 'time' as const, time: '2026-11-24T04:30:05', xid: '99',
    timeline: 2, action: 'promote' as const, exclusive: true, folder: ' /srv/restore ', tablespaces: { fast: ' /srv/fast ', slow: '' },
  };
  assert.deepEqual(composePlanRequest(draft), {
    ok: true,
    request: {
      server: 'pg', backup: '20261124T030000', target: { kind: 'time', time: '2026-11-24T04:30:05+01:00' }, timeline: 2, action: 'promote',
      exclusive: true, destination: { kind: 'local', path: '/srv/restore' }, tablespaces: [{ name: 'fast', path: '/srv/fast' }],
    },
  });
  const named = composePlanRequest({ ...draft, targetKind: 'name', name: 'before upgrade' });
  assert.ok(named.ok);
  assert.deepEqual(named.request.target, { kind: 'name', name: 'before upgrade' });
  assert.equal(named.request.exclusive, false, 'a restore point cannot be exclusive');
  const remote = composePlanRequest({ ...draft, destinationKind: 'ssh', sshCommand: '' });
  assert.ok(remote.ok);
  assert.equal(remote.request.destination, null, 'no destination until the ssh command is typed too');
  const typed = composePlanRequest({ ...draft, destinationKind: 'ssh', sshCommand: ' ssh postgres@db2 ' });
  assert.ok(typed.ok);
  assert.deepEqual(typed.request.destination, { kind: 'ssh', sshCommand: 'ssh postgres@db2', path: '/srv/restore' });
  const blank = composePlanRequest({ ...draft, folder: '   ' });
  assert.ok(blank.ok);
  assert.equal(blank.request.destination, null);
});
