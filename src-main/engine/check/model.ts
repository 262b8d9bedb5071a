/**
 * The vocabulary of `check`: a check's definition (name as printed, when it
 * applies, how it runs), its result, and the context every check reads from.
 * Types and two small result builders only; the runner and the checks live
 * in their own modules.
 */
import type { Catalog } from '../catalog/catalog';
import type { GlobalConfig, ServerConfig } from '../config/load';
import type { CheckSession, StreamingIdentity } from './postgres-session';
import type { WalArrivals } from './wal-arrivals';

/** critical: the server is not safely backed up; warning: it is, but needs attention soon. */
export type CheckSeverity = 'critical' | 'warning';

export interface CheckResult {
  /** as printed, Barman's wording where Barman has the check */
  name: string;
  ok: boolean;
  severity: CheckSeverity;
  /** shown in parentheses; may be '' on an OK line */
  detail: string;
  /** what to change and where; set on every failed result */
  hint?: string;
}

/** What a check's run returns; the runner adds the name and the default severity. */
export interface CheckOutcome {
  ok: boolean;
  detail?: string;
  hint?: string;
  /** overrides the definition's severity for this result (e.g. disk space below the warning level only) */
  severity?: CheckSeverity;
}

export interface CheckContext {
  server: ServerConfig;
  global: GlobalConfig;
  catalog: Catalog;
  now: Date;
  signal: AbortSignal;
  /** the one regular PostgreSQL session the SQL checks share */
  postgres: CheckSession;
  /** IDENTIFY_SYSTEM over a replication connection (streaming_conninfo), asked once */
  streaming(): Promise<StreamingIdentity>;
  /** what reached the store: newest WAL files in wals/, incoming/ and streaming/, asked once */
  arrivals(): Promise<WalArrivals>;
}

export interface CheckDefinition {
  name: string;
  severity: CheckSeverity;
  appliesTo(server: ServerConfig): boolean;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

export function passed(detail = ''): CheckOutcome {
  return { ok: true, detail };
}

export function failed(detail: string, hint: string, severity?: CheckSeverity): CheckOutcome {
  return severity === undefined ? { ok: false, detail, hint } : { ok: false, detail, hint, severity };
}

export const always = (): boolean => true;
