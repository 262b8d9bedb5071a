import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Catalog } from '../catalog/catalog';
import { deriveHealth, saveCheckRun } from './health';

test('health: failed on a critical failure, warning on warnings only, unknown before any run', () => {
  assert.equal(deriveHealth([]), 'unknown');
  assert.equal(deriveHealth([{ ok: true }, { ok: true, severity: 'warning' }]), 'ok');
  assert.equal(deriveHealth([{ ok: true }, { ok: false, severity: 'warning' }]), 'warning');
  assert.equal(deriveHealth([{ ok: false, severity: 'warning' }, { ok: false, severity: 'critical' }]), 'failed');
  assert.equal(deriveHealth([{ ok: false }]), 'failed', 'a row without severity is critical');
});

test('a saved run replaces the previous one: checks that no longer apply disappear', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'barkeep-health-'));
  const catalog = Catalog.open(path.join(dir, 'catalog.db'));
  try {
    saveCheckRun(catalog, { server: 'main', checkedAt: '2026-05-01T00:00:00.000Z', results: [
      { name: 'PostgreSQL', ok: true, severity: 'critical', detail: '' },
      { name: 'ssh', ok: false, severity: 'critical', detail: 'refused', hint: 'fix ssh_command' },
    ] });
    saveCheckRun(catalog, { server: 'other', checkedAt: '2026-05-01T00:00:00.000Z', results: [
      { name: 'ssh', ok: true, severity: 'critical', detail: '' },
    ] });
    saveCheckRun(catalog, { server: 'main', checkedAt: '2026-05-02T00:00:00.000Z', results: [
      { name: 'PostgreSQL', ok: false, severity: 'critical', detail: 'refused', hint: 'start it' },
    ] });
    assert.deepEqual(catalog.checkResults('main'), [
      { server: 'main', checkName: 'PostgreSQL', ok: false, severity: 'critical', detail: 'refused', hint: 'start it', checkedAt: '2026-05-02T00:00:00.000Z' },
    ]);
    assert.equal(catalog.checkResults('other').length, 1);
  } finally {
    catalog.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
