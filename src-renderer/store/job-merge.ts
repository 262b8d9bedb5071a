/**
 * Pure rules for merging what jobs:list returns with what job events already
 * told us. Snapshots carry no version, so freshness is judged by how far a job
 * has got: a later state wins, then more bytes; a finished job never goes back.
 */
import { isTerminal, type JobLogLine, type JobSnapshot, type JobState } from '../../shared/domain/job';
import type { JobId } from '../../shared/domain/names';

const stateRank: Record<JobState, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };

/** The fresher of two snapshots of the same job; ties go to `incoming`. */
export function fresherSnapshot(held: JobSnapshot | undefined, incoming: JobSnapshot): JobSnapshot {
  if (held === undefined) return incoming;
  const heldRank = stateRank[held.state];
  const incomingRank = stateRank[incoming.state];
  if (heldRank !== incomingRank) return heldRank > incomingRank ? held : incoming;
  if (isTerminal(held.state)) return held;
  return held.bytesDone > incoming.bytesDone ? held : incoming;
}

/**
 * Merges a jobs:list reply into the held jobs. A held job missing from the
 * reply is kept only while unfinished (it may have started after the list was
 * read); a finished one missing was pruned by the engine.
 */
export function mergeJobList(
  held: Readonly<Record<string, JobSnapshot>>,
  listed: readonly JobSnapshot[],
): Record<string, JobSnapshot> {
  const merged: Record<string, JobSnapshot> = {};
  for (const job of listed) merged[job.id] = fresherSnapshot(held[job.id], job);
  for (const [id, job] of Object.entries(held)) {
    if (merged[id] === undefined && !isTerminal(job.state)) merged[id] = job;
  }
  return merged;
}

/** jobs:logs reply first, then any live lines that arrived while it was read and are not in it. */
export function mergeLogLines(fetched: readonly JobLogLine[], live: readonly JobLogLine[]): JobLogLine[] {
  const key = (line: JobLogLine): string => `${line.at}\u0000${line.level}\u0000${line.message}`;
  const seen = new Set(fetched.map(key));
  return [...fetched, ...live.filter((line) => !seen.has(key(line)))];
}

/** Ids of unfinished jobs first, then finished ones, each newest first. */
export function orderJobIds(jobs: Readonly<Record<string, JobSnapshot>>): { active: JobId[]; recent: JobId[] } {
  const newestFirst = Object.values(jobs).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return {
    active: newestFirst.filter((job) => !isTerminal(job.state)).map((job) => job.id),
    recent: newestFirst.filter((job) => isTerminal(job.state)).map((job) => job.id),
  };
}
