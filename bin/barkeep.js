#!/usr/bin/env node
// The `barkeep` command. It runs the bundle `npm run build` writes
// (dist/cli/barkeep.mjs) while no source is newer than it, else the
// TypeScript sources through tsx: the command line in a checkout is always the
// code you are reading. The bundle starts in about a quarter of the time tsx
// takes to compile the sources, which counts where PostgreSQL runs the command
// once per WAL file (archive_command's put-wal, restore_command's get-wal).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `barkeep list-backup x | head` closes our stdout early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bundle = path.join(root, 'dist', 'cli', 'barkeep.mjs');

/** The newest modification time of what the bundle is built from (tests excluded), in ms. */
function newestSource() {
  let newest = 0;
  const visit = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (!/\.test\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  visit(path.join(root, 'src-main'));
  visit(path.join(root, 'shared'));
  for (const file of ['package.json', 'package-lock.json']) {
    try {
      newest = Math.max(newest, statSync(path.join(root, file)).mtimeMs);
    } catch {
      // Not every install has a lock file.
    }
  }
  return newest;
}

function bundleIsFresh() {
  try {
    return statSync(bundle).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

let runCli;
if (bundleIsFresh()) {
  ({ runCli } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ runCli } = await import('../src-main/cli/main.ts'));
}
process.exitCode = await runCli(process.argv.slice(2));
