import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { JobSnapshot } from '../../../shared/domain/job';
import { Catalog } from './catalog';
import { migrations } from './migrations';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-catalog-'));
after(() => rmSync(root, { recursive: true, force: true }));

function runningJob(id: string): JobSnapshot {
  return {
    id: id as JobSnapshot['id'], kind: 'backup', server: null, title: `job ${id}`, state: 'running', phase: 'copying',
    bytesDone: 0, bytesTotal: null, createdAt: '2026-11-24T06:00:00.000Z', startedAt: '2026-11-24T06:00:00.000Z', finishedAt: null, error: null,
  };
}

test('on start-up only the jobs of processes that are gone are marked failed', () => {
  const catalog = Catalog.open(path.join(root, 'jobs.db'));
  try {
    for (const id of ['mine', 'dead', 'legacy', 'elsewhere']) catalog.saveJob(runningJob(id));
    // A pid that is surely gone: a child that has exited.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const setOwner = catalog.db.prepare('UPDATE jobs SET owner = ? WHERE id = ?');
    setOwner.run(`${deadPid}@${os.hostname()}`, 'dead');
    setOwner.run(null, 'legacy');
    setOwner.run('4242@another-host.example', 'elsewhere');

    assert.equal(catalog.failAbandonedJobs('2026-11-24T07:00:00.000Z'), 2);
    const states = Object.fromEntries((catalog.db.prepare('SELECT id, state FROM jobs ORDER BY id').all() as { id: string; state: string }[])
      .map((row) => [row.id, row.state]));
    assert.deepEqual(states, { dead: 'failed', elsewhere: 'running', legacy: 'failed', mine: 'running' });
  } finally {
    catalog.close();
  }
});

test('eight processes opening a new catalog at the same moment, twenty times over, all end on the newest schema', async () => {
  // Each child opens twenty new catalogs, each at a wall-clock instant shared by all children: they race on
  // switching the journal to WAL (SQLite answers that with an immediate SQLITE_BUSY) and on the migrations.
  const files = Array.from({ length: 20 }, (_, round) => path.join(root, `race-${round}.db`));
  const module = path.join(import.meta.dirname, 'catalog.ts');
  const at = Date.now() + 4000;
  const script = `const { Catalog } = await import(${JSON.stringify(module)});
    const files = ${JSON.stringify(files)};
    for (const [round, file] of files.entries()) {
      while (Date.now() < ${at} + round * 150);
      const c = Catalog.open(file); console.log(c.schemaVersion); c.close();
    }`;
  const results = await Promise.all(Array.from({ length: 8 }, () => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    child.on('close', (code) => resolve({ code, out, err }));
  })));
  for (const result of results) assert.equal(result.code, 0, result.err);
  for (const result of results) assert.deepEqual(result.out.trim().split('\n').map(Number), Array(files.length).fill(migrations.at(-1)!.version));
});
