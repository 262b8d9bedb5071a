/**
 * A job is any long piece of work (backup, restore, sandbox creation, …): its
 * snapshot is what every door shows, and job events carry it.
 */
import { z } from 'zod';
import { JobId, ServerName } from './names';
import { ErrorPayload } from '../errors';

export const jobKinds = ['sandbox', 'check', 'backup', 'restore', 'drill', 'receive-wal', 'rebuild-catalog', 'verify'] as const;
export const JobKind = z.enum(jobKinds);
export type JobKind = z.infer<typeof JobKind>;

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const JobState = z.enum(jobStates);
export type JobState = z.infer<typeof JobState>;

export const JobLogLine = z.object({
  at: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});
export type JobLogLine = z.infer<typeof JobLogLine>;

export const JobSnapshot = z.object({
  id: JobId,
  kind: JobKind,
  server: ServerName.nullable(),
  title: z.string(),
  state: JobState,
  phase: z.string(),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: ErrorPayload.nullable(),
});
export type JobSnapshot = z.infer<typeof JobSnapshot>;

export function isTerminal(state: JobState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}
