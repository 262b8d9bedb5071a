import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../shared/errors';
import { checkTablespaceTarget, parseTablespaceOptions, planTablespaces, renderTablespaceMap } from './tablespaces';

const spaces = [{ oid: 16390, name: 'fast', location: '/pg/fast' }, { oid: 16391, name: 'slow', location: '/pg/slow' }];
const code = (expected: string) => (error: unknown) => error instanceof EngineError && error.code === expected;

test('--tablespace NAME:PATH maps by name or oid; unmapped ones go back to their original location', () => {
  const mapping = parseTablespaceOptions(['fast:/new/fast', '16391:/new/slow/']);
  const plan = planTablespaces(spaces, mapping, '/restore/data', 'b1');
  assert.deepEqual(plan.map((space) => [space.oid, space.target, space.mapped]), [[16390, '/new/fast', true], [16391, '/new/slow', true]]);
  assert.equal(renderTablespaceMap(plan), '16390 /new/fast\n16391 /new/slow\n');
  const partly = planTablespaces(spaces, parseTablespaceOptions(['slow:/new/slow']), '/restore/data', 'b1');
  assert.deepEqual(partly[0], { oid: 16390, name: 'fast', original: '/pg/fast', target: '/pg/fast', mapped: false });
});

test('bad mappings are refused', () => {
  assert.throws(() => parseTablespaceOptions(['fast']), code('usage'));
  assert.throws(() => parseTablespaceOptions(['fast:relative']), code('usage'));
  assert.throws(() => parseTablespaceOptions(['fast:/a', 'fast:/b']), code('usage'));
  assert.throws(() => planTablespaces(spaces, parseTablespaceOptions(['nope:/a']), '/r', 'b1'), /has no tablespace 'nope'.*/);
  assert.throws(() => planTablespaces(spaces, parseTablespaceOptions(['fast:/r/ts']), '/r', 'b1'), /overlaps the destination/);
  assert.throws(() => planTablespaces(spaces, parseTablespaceOptions(['fast:/x', 'slow:/x']), '/r', 'b1'), /two tablespaces/);
});

test('a tablespace target must be absent or empty; the hint names --tablespace for an original location', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ts-target-'));
  try {
    assert.deepEqual(checkTablespaceTarget({ oid: 1, name: 'a', original: '/x', target: path.join(root, 'new'), mapped: true }), { exists: false });
    mkdirSync(path.join(root, 'busy'));
    writeFileSync(path.join(root, 'busy', 'PG_15_1'), '');
    assert.throws(() => checkTablespaceTarget({ oid: 1, name: 'a', original: path.join(root, 'busy'), target: path.join(root, 'busy'), mapped: false }),
      (error: unknown) => error instanceof EngineError && error.code === 'restore-refused' && /--tablespace a:PATH/.test(error.hint ?? ''));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
