import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerSummary } from '../../../shared/domain/server';
import { summariseArchivers } from './archiver-summary';

type Row = Pick<ServerSummary, 'name' | 'active' | 'archiver'>;
const row = (name: string, streaming: 'off' | 'stopped' | 'running', archiveCommand = false, active = true): Row => ({
  name: name as Row['name'], active, archiver: { streaming, streamingPid: streaming === 'running' ? 4242 : null, archiveCommand },
});

test('the tooltip counts streaming servers and names the stopped ones; the menu has a line per archiving server', () => {
  const summary = summariseArchivers([row('pg1', 'running'), row('pg2', 'stopped', true), row('pg3', 'off'), row('old', 'stopped', false, false), row('push', 'off', true)]);
  assert.equal(summary.tooltip, 'Barkeep — 1 streaming WAL; 1 stopped: pg2');
  assert.deepEqual(summary.lines, ['pg1: streaming (pid 4242)', 'pg2: streaming STOPPED, archive_command intake on', 'push: archive_command intake on']);
  assert.equal(summary.attention, true);
});

test('nothing configured, or nothing streaming, says so; attention only for a stopped archiver', () => {
  assert.deepEqual(summariseArchivers([]), { tooltip: 'Barkeep — no server configured', lines: [], attention: false });
  assert.deepEqual(summariseArchivers([row('pg', 'off')]), { tooltip: 'Barkeep — no streaming archiver', lines: [], attention: false });
});
