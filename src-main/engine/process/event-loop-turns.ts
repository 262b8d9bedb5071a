/**
 * For synchronous file-system work done in a loop on the main thread (cheaper
 * than a thread-pool trip per call when the kernel answers in microseconds):
 * a pause that gives the event loop a turn once `turnMs` have passed since
 * the last one, so streams, timers and IPC keep going on a slow volume.
 */
export function createTurnTaker(turnMs: number): () => Promise<void> {
  let turnStarted = performance.now();
  return async () => {
    if (performance.now() - turnStarted < turnMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    turnStarted = performance.now();
  };
}
