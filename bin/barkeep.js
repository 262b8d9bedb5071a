#!/usr/bin/env node
// The `barkeep` command: runs the TypeScript sources through tsx, so the
// command line in a checkout is always the code you are reading.
import { register } from 'tsx/esm/api';

// `barkeep list-backup x | head` closes our stdout early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

register();
const { runCli } = await import('../src-main/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
