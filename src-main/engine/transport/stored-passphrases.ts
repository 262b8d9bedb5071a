/**
 * Passphrases of SSH private keys from the secret store: an open engine
 * registers a lookup, and ssh-transport.ts asks it when a key is loaded without
 * one, so a passphrase typed once in the server editor serves rsync backups,
 * the ssh check and remote restores, and is never written to a file of conf.d,
 * a command line or a log.
 */

/** Where a key is used: the SSH login it authenticates, and the key file when one is named. */
export interface SshKeyTarget {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string | null;
}

export type PassphraseLookup = (target: SshKeyTarget) => string | undefined;

const lookups = new Set<PassphraseLookup>();

/** Registers a source; returns the function that unregisters it. */
export function addPassphraseLookup(lookup: PassphraseLookup): () => void {
  lookups.add(lookup);
  return () => {
    lookups.delete(lookup);
  };
}

/** The first stored passphrase any registered source has for the target. */
export function findStoredPassphrase(target: SshKeyTarget): string | undefined {
  for (const lookup of lookups) {
    const found = lookup(target);
    if (found !== undefined) return found;
  }
  return undefined;
}
