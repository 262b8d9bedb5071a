/**
 * The folder Barkeep runs from: package.json, bin/barkeep.js, dist/. Two
 * levels above this file, which is src-main/cli/ in the sources (run through
 * tsx) and dist/cli/ or dist/main/ once esbuild has bundled it: the same
 * relative path either way.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function currentFile(): string {
  // ESM (the sources, the CLI bundle) has import.meta.url; the app's CommonJS main bundle has __filename.
  return typeof import.meta.url === 'string' ? fileURLToPath(import.meta.url) : __filename;
}

export const installRoot: string = path.resolve(path.dirname(currentFile()), '..', '..');

/** The `barkeep` command's script, for commands Barkeep writes or starts itself (restore_command, receive-wal). */
export const barkeepScript: string = path.join(installRoot, 'bin', 'barkeep.js');
