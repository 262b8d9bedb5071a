// bin/barkeep.js picks what to run: the built bundle (dist/cli/barkeep.mjs)
// while no source is newer than it, else the TypeScript sources through tsx.
// Checked on a copy of the launcher in a stand-in install whose bundle and
// sources say which one ran, through real `node` processes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, removeTempDir } from '../support/temp-dir';

const repo = path.resolve(import.meta.dirname, '..', '..');
let install: string;

before(async () => {
  install = await makeTempDir('cli-launcher');
  for (const folder of ['bin', 'dist/cli', 'src-main/cli', 'shared']) mkdirSync(path.join(install, folder), { recursive: true });
  copyFileSync(path.join(repo, 'bin', 'barkeep.js'), path.join(install, 'bin', 'barkeep.js'));
  // tsx, for the sources' path.
  symlinkSync(path.join(repo, 'node_modules'), path.join(install, 'node_modules'));
  writeFileSync(path.join(install, 'package.json'), '{ "type": "module" }\n');
  const runCli = (which: string): string =>
    `export async function runCli(args) { console.log('${which}', args.join(' ')); return 3; }\n`;
  writeFileSync(path.join(install, 'dist', 'cli', 'barkeep.mjs'), runCli('bundle'));
  writeFileSync(path.join(install, 'src-main', 'cli', 'main.ts'), runCli('sources').replace('(args)', '(args: string[])'));
  writeFileSync(path.join(install, 'shared', 'errors.ts'), 'export {};\n');
  writeFileSync(path.join(install, 'src-main', 'cli', 'main.test.ts'), 'export {};\n');
});

after(async () => {
  if (install) await removeTempDir(install);
});

function run(): { stdout: string; code: number } {
  try {
    return { stdout: execFileSync(process.execPath, [path.join(install, 'bin', 'barkeep.js'), 'list-backup', 'pg'], { encoding: 'utf8' }), code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; status: number };
    return { stdout: failed.stdout, code: failed.status };
  }
}

function age(relative: string, secondsAgo: number): void {
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path.join(install, relative), when, when);
}

test('the bundle runs while it is the newest; a newer source (not a test) runs the sources; the exit code passes through', () => {
  for (const file of ['package.json', 'src-main/cli/main.ts', 'shared/errors.ts']) age(file, 60);
  age('dist/cli/barkeep.mjs', 30);
  // A test file newer than the bundle does not make it stale: the bundle holds no tests.
  age('src-main/cli/main.test.ts', 10);
  assert.deepEqual(run(), { stdout: 'bundle list-backup pg\n', code: 3 });

  age('shared/errors.ts', 5);
  assert.deepEqual(run(), { stdout: 'sources list-backup pg\n', code: 3 });

  age('dist/cli/barkeep.mjs', 1);
  assert.deepEqual(run(), { stdout: 'bundle list-backup pg\n', code: 3 });
});
