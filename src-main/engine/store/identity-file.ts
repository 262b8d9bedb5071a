/**
 * identity.json: which PostgreSQL system a server's store belongs to (system
 * identifier, major version), as Barman keeps it. Checks use it to refuse mixing
 * backups or WAL of two different clusters under one server name.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file';
import { identityFile, type StorePaths } from './layout';

export const StoreIdentity = z.object({
  systemId: z.string(),
  pgVersion: z.string(),
  learntAt: z.string(),
});
export type StoreIdentity = z.infer<typeof StoreIdentity>;

export function readStoreIdentity(paths: StorePaths): StoreIdentity | null {
  try {
    return StoreIdentity.parse(JSON.parse(readFileSync(identityFile(paths), 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export function writeStoreIdentity(paths: StorePaths, identity: StoreIdentity): void {
  mkdirSync(paths.backupDirectory, { recursive: true, mode: 0o700 });
  writeFileAtomic(identityFile(paths), `${JSON.stringify(identity, null, 2)}\n`);
}
