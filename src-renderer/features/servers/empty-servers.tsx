/**
 * What the Servers view shows when none is configured: what Barkeep does, the
 * button that creates the sandbox server (its job's progress shows here), the
 * same from the command line, and the way to the server editor.
 */
import { isTerminal, type JobSnapshot } from '../../../shared/domain/job';
import { hrefFor } from '../../app/hash-route';
import { useBarkeep } from '../../app/store-context';
import type { BarkeepState } from '../../store/barkeep-store';
import { JobProgress } from '../jobs/job-progress';
import { hrefForNewServer } from './server-editor-route';

/** The sandbox job this page started, else one still running from elsewhere (the CLI, another window). */
function selectSandboxJob(state: BarkeepState): JobSnapshot | undefined {
  if (state.sandboxJobId !== null) return state.jobsById[state.sandboxJobId];
  return Object.values(state.jobsById).find((job) => job.kind === 'sandbox' && !isTerminal(job.state));
}

export function EmptyServers() {
  const configFile = useBarkeep((state) => state.info?.configFile ?? null);
  const requesting = useBarkeep((state) => state.sandboxRequesting);
  const createSandbox = useBarkeep((state) => state.createSandbox);
  const sandboxJob = useBarkeep(selectSandboxJob);
  const busy = requesting || (sandboxJob !== undefined && !isTerminal(sandboxJob.state));

  return (
    <section className="panel empty" data-testid="empty-servers">
      <h2>No PostgreSQL servers yet</h2>
      <p>
        Barkeep manages PostgreSQL servers: for each one it takes base backups, archives WAL continuously, keeps a
        retention window, checks health, and restores to any point in time.
        {configFile !== null && (
          <>
            {' '}
            Servers are configured in <code>{configFile}</code>, one file per server in its <code>conf.d</code> folder.
          </>
        )}
      </p>
      <p>
        To look around first, create the sandbox server: a throw-away PostgreSQL cluster on this machine, set up for
        Barkeep to back up, so you can try everything without touching a real database.
      </p>
      <div className="empty-actions">
        <button
          type="button"
          className="button button-primary"
          data-testid="create-sandbox"
          onClick={() => void createSandbox()}
          disabled={busy}
        >
          {busy ? 'Creating the sandbox server…' : 'Create the sandbox server'}
        </button>
        <a className="button" href={hrefForNewServer} data-testid="add-server">
          Add your own server
        </a>
      </div>
      {sandboxJob !== undefined && <SandboxJob job={sandboxJob} />}
      <p className="cli-label">The same from a terminal:</p>
      <pre className="code-block">
        <code>barkeep demo</code>
      </pre>
    </section>
  );
}

function SandboxJob({ job }: { job: JobSnapshot }) {
  return (
    <div className="sandbox-job" data-testid="sandbox-job" data-job-state={job.state}>
      <div className="sandbox-job-line">
        <span>{job.title}</span>
        <span className="muted">{job.phase}</span>
        <a href={hrefFor('jobs')}>Open in Jobs</a>
      </div>
      <JobProgress job={job} />
      {job.state === 'succeeded' && <p className="muted">Done; the server list is being refreshed.</p>}
      {job.error !== null && (
        <div className="job-error" role="alert">
          <p>{job.error.message}</p>
          {job.error.hint !== undefined && <p className="hint">{job.error.hint}</p>}
        </div>
      )}
    </div>
  );
}
