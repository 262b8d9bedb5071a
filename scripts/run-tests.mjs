// Runs Barkeep's tests with node's built-in runner (through tsx) in one
// invocation, so one summary counts them all: unit tests beside the code,
// integration tests (real PostgreSQL, real sshd) and the browser tests (real
// chromium through `barkeep serve`). `node scripts/run-tests.mjs unit|integration|e2e [FILTER]`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const [group = 'all', filter = ''] = process.argv.slice(2);

function findTests(dir) {
  const full = path.join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

const groups = {
  unit: [...findTests('shared'), ...findTests('src-main'), ...findTests('src-renderer')],
  integration: findTests('test/integration'),
  e2e: findTests('test/e2e'),
};
const files = (group === 'all' ? [...groups.unit, ...groups.integration, ...groups.e2e] : groups[group] ?? [])
  .filter((file) => file.includes(filter));
if (files.length === 0) {
  console.error(`no test files for '${group}'${filter ? ` matching '${filter}'` : ''}`);
  process.exit(2);
}

// Integration and browser tests need real parts: say what is missing and how to get it.
if (files.some((file) => file.startsWith('test/'))) {
  const missing = [
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/bin/chromium', 'chromium'],
  ].filter(([binary]) => !existsSync(binary)).map(([, pkg]) => pkg);
  const hasPostgres = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`));
  if (!hasPostgres) missing.push('postgresql-15');
  if (missing.length > 0) {
    console.error(`the integration tests need: ${missing.join(', ')}. Install them with: sudo bash scripts/install-system-deps.sh`);
    process.exit(1);
  }
}

mkdirSync(path.join(root, 'test-results'), { recursive: true });
const tapFile = path.join(root, 'test-results', 'node-tests.tap');
const result = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
  ...files,
], { cwd: root, stdio: 'inherit', env: { ...process.env, BARKEEP_TEST: '1' } });

// One plain closing line, from the TAP summary.
const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
console.log(`${count('pass')} passed, ${count('fail') + count('cancelled')} failed, ${count('skipped')} skipped`);
process.exit(result.status ?? 1);
