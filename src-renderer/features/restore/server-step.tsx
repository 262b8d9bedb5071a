/**
 * Step 1 of the composer: which server to restore. Choosing one reads its
 * backups, WAL coverage and restore points (for the backup list, the timeline
 * and the restore point list) and forgets choices that belonged to the
 * previous server.
 */
import { useEffect, useId } from 'react';
import { useBarkeep } from '../../app/store-context';
import { HealthBadge } from '../servers/health-badge';
import { formatAge } from '../servers/backup-age';
import { useNow } from '../../app/use-now';

export function ServerStep() {
  const servers = useBarkeep((state) => state.servers);
  const server = useBarkeep((state) => state.restoreDraft.server);
  const updateRestoreDraft = useBarkeep((state) => state.updateRestoreDraft);
  const refreshCoverage = useBarkeep((state) => state.refreshCoverage);
  const refreshBackups = useBarkeep((state) => state.refreshBackups);
  const refreshRestorePoints = useBarkeep((state) => state.refreshRestorePoints);
  const summary = servers.find((candidate) => candidate.name === server);
  const now = useNow();
  const id = useId();

  // With one server there is nothing to choose.
  useEffect(() => {
    if (server === null && servers.length === 1) updateRestoreDraft({ server: servers[0]!.name });
  }, [server, servers, updateRestoreDraft]);

  useEffect(() => {
    if (server === null) return;
    void refreshCoverage(server);
    void refreshBackups(server);
    void refreshRestorePoints(server);
  }, [server, refreshCoverage, refreshBackups, refreshRestorePoints]);

  return (
    <section className="panel restore-step" aria-labelledby={`${id}-title`} data-testid="restore-step-server">
      <h2 id={`${id}-title`} className="step-title"><span className="step-number" aria-hidden="true">1</span>Server</h2>
      <div className="field-row">
        <label htmlFor={`${id}-server`}>Restore a backup of</label>
        <select
          id={`${id}-server`}
          value={server ?? ''}
          onChange={(event) => updateRestoreDraft({ server: event.target.value === '' ? null : event.target.value, backup: null, timeline: 'latest', tablespaces: {} })}
          data-testid="restore-server"
        >
          {server === null && <option value="">Choose a server…</option>}
          {servers.map((candidate) => (
            <option key={candidate.name} value={candidate.name}>{candidate.name}</option>
          ))}
        </select>
        {summary !== undefined && (
          <>
            <HealthBadge health={summary.health} />
            <span className="muted" data-testid="restore-server-backups">
              {summary.backupCount === 0
                ? 'no complete backup yet: take one first'
                : `${summary.backupCount} complete backup${summary.backupCount === 1 ? '' : 's'}, the last ${formatAge(summary.lastBackupAt, now)}`}
            </span>
          </>
        )}
      </div>
    </section>
  );
}
