/**
 * The folder Barkeep runs from: package.json, bin/barkeep.js, dist/. Two
 * levels above this file, which is src-main/cli/ in the sources (run through
 * tsx) and dist/cli/barkeep.mjs once esbuild has bundled it (ESM, so
 * import.meta.url stays the file's own): the same relative path either way.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const installRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `barkeep` command's script, for commands Barkeep writes or starts itself (restore_command, receive-wal). */
export const barkeepScript: string = path.join(installRoot, 'bin', 'barkeep.js');
