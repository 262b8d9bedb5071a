/**
 * The one catalogue of errors. The engine throws EngineError; only the doors
 * (CLI, Electron IPC, serve host) turn it into a payload or an exit code.
 * Messages are lowercase and name the object; the hint says what the user can do.
 */
import { z } from 'zod';

export const errorCodes = [
  'usage',
  'config-invalid',
  'config-missing',
  'server-unknown',
  'catalog-failed',
  'postgres-unreachable',
  'postgres-binaries-missing',
  'postgres-failed',
  'ssh-failed',
  'ssh-auth-failed',
  'ssh-host-key-mismatch',
  'ssh-host-key-unknown',
  'io-failed',
  'sandbox-failed',
  'wal-invalid',
  'wal-conflict',
  'wal-missing',
  'archiver-running',
  'archiver-failed',
  'slot-failed',
  'check-failed',
  'job-unknown',
  'cancelled',
  'invalid-input',
  'unauthorized',
  'internal',
  'backup-failed',
  'backup-unknown',
  'backup-in-use',
  'minimum-redundancy',
  'disk-full',
  'verify-failed',
  'restore-refused',
  'target-unreachable',
  'drill-failed',
] as const;

export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorPayload = z.object({
  code: ErrorCode,
  message: z.string(),
  hint: z.string().optional(),
});
export type ErrorPayload = z.infer<typeof ErrorPayload>;

export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
    this.hint = hint;
  }

  toPayload(): ErrorPayload {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

/** Turns anything thrown into a payload a door can send; unknown errors become 'internal'. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof EngineError) return error.toPayload();
  if (error instanceof Error && error.name === 'AbortError') {
    return { code: 'cancelled', message: 'the operation was cancelled' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}

/** Exit codes of the `barkeep` command line: 0 ok, 1 failure, 2 usage. */
export function exitCodeFor(payload: ErrorPayload): 1 | 2 {
  return payload.code === 'usage' ? 2 : 1;
}
