/**
 * Events main pushes to every door. Job events carry the job's snapshot;
 * invalidations carry only a topic, and the renderer refetches.
 */
import { z } from 'zod';
import { JobLogLine, JobSnapshot } from '../domain/job';
import { ServerName } from '../domain/names';

export const JobEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('queued'), job: JobSnapshot }),
  z.object({ type: z.literal('started'), job: JobSnapshot }),
  z.object({ type: z.literal('progress'), job: JobSnapshot }),
  z.object({ type: z.literal('log'), job: JobSnapshot, line: JobLogLine }),
  z.object({ type: z.literal('succeeded'), job: JobSnapshot }),
  z.object({ type: z.literal('failed'), job: JobSnapshot }),
  z.object({ type: z.literal('cancelled'), job: JobSnapshot }),
]);
export type JobEvent = z.infer<typeof JobEvent>;

export const InvalidateTopic = z.enum(['servers', 'backups', 'jobs', 'checks', 'disk', 'wal']);
export type InvalidateTopic = z.infer<typeof InvalidateTopic>;

export const PushEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('job'), event: JobEvent }),
  z.object({ kind: z.literal('invalidate'), topic: InvalidateTopic, server: ServerName.nullable() }),
]);
export type PushEvent = z.infer<typeof PushEvent>;
