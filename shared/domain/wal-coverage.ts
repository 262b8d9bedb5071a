/**
 * The WAL coverage of a server as the coverage bar draws it: per timeline, the
 * archived segments (by number within the timeline, so positions are exact),
 * the gaps, the ranges a restore can reach, and where each backup sits.
 */
import { z } from 'zod';
import { BackupStatus } from './backup';
import { BackupId, ServerName } from './names';

/** A run of segment numbers within one timeline, both ends included. */
export const SegmentSpan = z.object({
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
});
export type SegmentSpan = z.infer<typeof SegmentSpan>;

/** A stretch a point-in-time restore can reach, with its first and last segment's file names. */
export const RecoverableSpan = SegmentSpan.extend({
  fromName: z.string(),
  toName: z.string(),
});
export type RecoverableSpan = z.infer<typeof RecoverableSpan>;

export const CoverageGap = SegmentSpan.extend({
  /** the first and last missing segment's file names */
  fromName: z.string(),
  toName: z.string(),
  segments: z.number().int().positive(),
});
export type CoverageGap = z.infer<typeof CoverageGap>;

export const CoverageBackup = z.object({
  backupId: BackupId,
  name: z.string().nullable(),
  status: BackupStatus,
  /** the segment holding its begin LSN, and its end LSN (the first point a restore from it reaches) */
  beginSegment: z.number().int().nonnegative(),
  endSegment: z.number().int().nonnegative().nullable(),
  beginTime: z.string(),
  endTime: z.string().nullable(),
});
export type CoverageBackup = z.infer<typeof CoverageBackup>;

export const TimelineArchive = z.object({
  firstSegment: z.string(),
  lastSegment: z.string(),
  first: z.number().int().nonnegative(),
  last: z.number().int().nonnegative(),
  /** segments present */
  segments: z.number().int().nonnegative(),
  storedBytes: z.number().nonnegative(),
  lastArrivalAt: z.string().nullable(),
});
export type TimelineArchive = z.infer<typeof TimelineArchive>;

export const TimelineCoverage = z.object({
  timeline: z.number().int().positive(),
  parent: z.number().int().positive().nullable(),
  /** null: backups exist on this timeline but none of its WAL is archived */
  archive: TimelineArchive.nullable(),
  gaps: z.array(CoverageGap),
  /**
   * Where a point-in-time restore can stop: from a backup's end (its
   * consistent point) to the end of the unbroken WAL after its begin, or from
   * where the timeline branched off a recoverable parent. Sorted, disjoint.
   */
  recoverable: z.array(RecoverableSpan),
  /** complete backups on this timeline, oldest first */
  backups: z.array(CoverageBackup),
});
export type TimelineCoverage = z.infer<typeof TimelineCoverage>;

export const WalCoverageView = z.object({
  server: ServerName,
  segmentSize: z.number().int().positive(),
  /** when it was measured */
  at: z.string(),
  timelines: z.array(TimelineCoverage),
});
export type WalCoverageView = z.infer<typeof WalCoverageView>;
