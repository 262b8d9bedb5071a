/**
 * When a notice toast goes: after long enough to read it (a base plus time
 * per character, within bounds), and on navigation once it has been on
 * screen a moment, so the notice of an action that itself navigates (Save in
 * the server editor) survives that move. Errors have no lifetime: they stay
 * until dismissed. Pure.
 */

/** Shortest and longest life of a notice, however short or long its text. */
export const noticeShortestMs = 6000;
export const noticeLongestMs = 15_000;
/** about 200 words a minute, with time to notice the toast at all */
const noticeBaseMs = 4000;
const noticeMsPerCharacter = 60;
/** Once a paused notice resumes, it stays at least this long. */
export const noticeResumeMs = 2000;
/** A navigation this soon after a notice came belongs to the action that announced it. */
export const noticeNavigationGraceMs = 1000;

export function noticeLifetimeMs(notice: { title: string; message: string }): number {
  const reading = noticeBaseMs + noticeMsPerCharacter * (notice.title.length + notice.message.length);
  return Math.min(noticeLongestMs, Math.max(noticeShortestMs, reading));
}

/** Whether a navigation at `now` takes the notice shown at `shownAt` away. */
export function navigationDismisses(shownAt: number, now: number): boolean {
  return now - shownAt >= noticeNavigationGraceMs;
}

/** What is left of a notice's life after a pause: what it had, less the time it ran, but never less than noticeResumeMs. */
export function lifetimeLeftMs(leftBefore: number, ranMs: number): number {
  return Math.max(noticeResumeMs, leftBefore - ranMs);
}
