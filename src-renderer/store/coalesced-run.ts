/**
 * Collapses bursts of refetch requests (a backup fires many invalidations)
 * into at most one run in flight plus one queued behind it.
 */

/** Wraps `run` so calls during a run schedule exactly one more; each call resolves when a run that started after it ends. */
export function coalescedRun(run: () => Promise<void>): () => Promise<void> {
  let inFlight: Promise<void> | null = null;
  let queued: Promise<void> | null = null;

  const start = (): Promise<void> => {
    const current = run().finally(() => {
      if (inFlight === current) inFlight = null;
    });
    inFlight = current;
    return current;
  };

  return () => {
    if (queued !== null) return queued;
    if (inFlight === null) return start();
    queued = inFlight
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return start();
      });
    return queued;
  };
}

/** One coalescedRun per key (a server's backups, another server's): bursts for one key never delay another. */
export function coalescedRunByKey(run: (key: string) => Promise<void>): (key: string) => Promise<void> {
  const runners = new Map<string, () => Promise<void>>();
  return (key) => {
    let runner = runners.get(key);
    if (runner === undefined) {
      runner = coalescedRun(() => run(key));
      runners.set(key, runner);
    }
    return runner();
  };
}
