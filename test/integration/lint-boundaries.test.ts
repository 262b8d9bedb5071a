// The layer boundaries are enforced by `npm run lint`, not by good intentions:
// the project's own ESLint configuration refuses each forbidden import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'barkeep/boundaries').map((message) => message.message);
}

test('the engine may not import electron, the host, the cli or the renderer', async () => {
  assert.deepEqual(await boundaryErrors('src-main/engine/backup/probe.ts', "import { app } from 'electron';\nexport const x = app;\n"), [
    "'electron' may not be imported from src-main/engine: the engine is plain Node, shared by every door (DESIGN.md: three doors, one engine)",
  ]);
  for (const source of ['../../host/serve-host', '../../cli/main', '../../electron/ipc-router', '../../../src-renderer/main']) {
    const errors = await boundaryErrors('src-main/engine/backup/probe.ts', `import * as x from '${source}';\nexport default x;\n`);
    assert.equal(errors.length, 1, source);
  }
});

test('the renderer may not import src-main or node, shared may import neither side', async () => {
  assert.equal((await boundaryErrors('src-renderer/app/probe.ts', "import { Engine } from '../../src-main/engine/engine';\nexport default Engine;\n")).length, 1);
  assert.equal((await boundaryErrors('src-renderer/app/probe.ts', "import fs from 'node:fs';\nexport default fs;\n")).length, 1);
  assert.equal((await boundaryErrors('shared/domain/probe.ts', "import x from '../../src-renderer/main';\nexport default x;\n")).length, 1);
  assert.equal((await boundaryErrors('shared/domain/probe.ts', "import pg from 'pg';\nexport default pg;\n")).length, 1);
});

test('allowed imports pass: the engine uses shared, the renderer uses shared', async () => {
  assert.deepEqual(await boundaryErrors('src-main/engine/backup/probe.ts', "import { EngineError } from '../../../shared/errors';\nexport default EngineError;\n"), []);
  assert.deepEqual(await boundaryErrors('src-renderer/app/probe.ts', "import { contract } from '../../shared/ipc/contract';\nexport default contract;\n"), []);
});
