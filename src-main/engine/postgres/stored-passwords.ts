/**
 * Passwords for connections whose conninfo carries none, from the secret
 * store: an open engine registers a lookup, and connect.ts asks it at connect
 * time, so no password is ever written into a conninfo, a file of conf.d or a
 * command line. Matching follows pgpass: host, port and user (the database is
 * a wildcard), an exact conninfo first. Never logs what it finds.
 */
import os from 'node:os';
import type { Conninfo } from './conninfo';
import { parseConninfo } from './conninfo';

/** Where a connection goes, with libpq's defaults filled in. */
export interface PasswordTarget {
  /** the conninfo as given to connectPostgres */
  conninfo: string;
  host: string;
  port: number;
  user: string;
}

/** A source of stored passwords; undefined when it holds none for the target. */
export type PasswordLookup = (target: PasswordTarget) => string | undefined;

const lookups = new Set<PasswordLookup>();

/** Registers a source; returns the function that unregisters it. */
export function addPasswordLookup(lookup: PasswordLookup): () => void {
  lookups.add(lookup);
  return () => {
    lookups.delete(lookup);
  };
}

/** The first stored password any registered source has for the target. */
export function findStoredPassword(conninfo: string, parsed: Conninfo = parseConninfo(conninfo)): string | undefined {
  if (lookups.size === 0) return undefined;
  const target = { conninfo, ...targetOf(parsed) };
  for (const lookup of lookups) {
    const found = lookup(target);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** host (hostaddr first, as pg connects to it), port and user, with libpq's environment and defaults. */
export function targetOf(conninfo: Conninfo, env: NodeJS.ProcessEnv = process.env): Omit<PasswordTarget, 'conninfo'> {
  return {
    host: conninfo.hostaddr ?? conninfo.host ?? env.PGHOST ?? 'localhost',
    port: conninfo.port ?? Number(env.PGPORT ?? 5432),
    user: conninfo.user ?? env.PGUSER ?? os.userInfo().username,
  };
}

/**
 * Whether a server's conninfo (one of `candidates`) reaches the target: the
 * same text, or the same host, port and user. A conninfo that does not parse
 * matches nothing.
 */
export function conninfoReaches(candidates: ReadonlyArray<string | null>, target: PasswordTarget): 'exact' | 'same-role' | null {
  let sameRole = false;
  for (const candidate of candidates) {
    if (candidate === null) continue;
    if (candidate === target.conninfo) return 'exact';
    try {
      const other = targetOf(parseConninfo(candidate));
      if (other.host === target.host && other.port === target.port && other.user === target.user) sameRole = true;
    } catch {
      // A broken conninfo fails where it is used, with its own message.
    }
  }
  return sameRole ? 'same-role' : null;
}
