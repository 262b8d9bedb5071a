/**
 * The restore composer (#/restore), one page of numbered steps: the server,
 * the target (on a timeline of the recoverable window, or a transaction id,
 * LSN, restore point, the end of the backup, the latest WAL), the plan the
 * engine makes of it, the destination, the exact settings and command line,
 * then the run with its progress and result, or a drill instead. The engine
 * re-plans a moment after each change; nothing is written before Run.
 */
import { useEffect } from 'react';
import { hrefFor } from '../../app/hash-route';
import { useBarkeep } from '../../app/store-context';
import { isTerminal } from '../../../shared/domain/job';
import './restore.css';
import { DestinationStep } from './destination-step';
import { PlanStep } from './plan-step';
import { PreviewStep } from './preview-step';
import { RunStep } from './run-step';
import { ServerStep } from './server-step';
import { TargetStep } from './target-step';

/** How long the composer waits after a change before asking for a new plan (typing a path is many changes). */
const replanDelayMs = 350;

export function RestoreView() {
  const servers = useBarkeep((state) => state.servers);
  const draft = useBarkeep((state) => state.restoreDraft);
  const planRestore = useBarkeep((state) => state.planRestore);
  const running = useBarkeep((state) => {
    const run = state.restoreRun;
    const job = run === null ? undefined : state.jobsById[run.jobId];
    return state.restoreStarting !== null || (run !== null && (job === undefined || !isTerminal(job.state)));
  });

  useEffect(() => {
    const timer = setTimeout(() => void planRestore(), replanDelayMs);
    return () => clearTimeout(timer);
  }, [draft, planRestore]);

  if (servers.length === 0) {
    return (
      <section className="view" data-testid="view-restore">
        <div className="view-head">
          <h1 tabIndex={-1}>Restore</h1>
        </div>
        <div className="panel empty">
          <p>No server is configured yet, so there is nothing to restore. <a href={hrefFor('servers')}>Add one, or create the sandbox</a>.</p>
        </div>
      </section>
    );
  }

  return (
    <section className="view restore-view" data-testid="view-restore">
      <div className="view-head">
        <h1 tabIndex={-1}>Restore</h1>
        <span className="muted">a point-in-time restore into an empty folder, here or over SSH, or a drill</span>
      </div>
      {/* While a restore runs, the choices it was made of stay as they were. */}
      <fieldset className="restore-steps" disabled={running} data-testid="restore-steps">
        <legend className="visually-hidden">What to restore, and where</legend>
        <ServerStep />
        <TargetStep />
        <PlanStep />
        <DestinationStep />
        <PreviewStep />
      </fieldset>
      <RunStep />
    </section>
  );
}
