/**
 * A restore point made with pg_create_restore_point(), as Barkeep found it in
 * a server's archived WAL: its name, when it was made, where its record lies
 * and on which timeline. What `list-restore-points` prints and the
 * 'wal:restore-points' channel answers.
 */
import { z } from 'zod';
import { Lsn } from './names';

export const RestorePoint = z.object({
  /** the name given to pg_create_restore_point(); several restore points may share one */
  name: z.string(),
  /** when it was made (its record's rp_time), ISO 8601 UTC with microseconds */
  time: z.string(),
  timeline: z.number().int().positive(),
  /** where its WAL record starts */
  startLsn: Lsn,
  /** where its WAL record ends: the location pg_create_restore_point() returned */
  endLsn: Lsn,
  /** the archived WAL segment that holds it */
  segment: z.string(),
});
export type RestorePoint = z.infer<typeof RestorePoint>;
