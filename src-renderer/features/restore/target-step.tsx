/**
 * Step 2 of the composer: where recovery stops. The latest archived WAL, a
 * point in time (on the timeline of the recoverable window or typed to the
 * second), a transaction id, an LSN, a restore point (picked from those found
 * in the archived WAL, on the timeline too, or typed), or the end of the
 * backup; then which backup (or let the planner choose), which timeline, and
 * what PostgreSQL does at the target.
 */
import { useId } from 'react';
import type { RestoreAction, RestoreTargetKind } from '../../../shared/domain/restore';
import type { RestorePoint } from '../../../shared/domain/restore-point';
import { useBarkeep } from '../../app/store-context';
import { formatTimestamp } from '../backups/backup-format';
import { localInputOf, takesExclusive } from '../../store/restore-draft';
import { RecoveryTimeline } from './recovery-timeline';
import { markRestorePoints, restorePointTimes } from './restore-point-marks';
import { RestorePointField } from './restore-point-field';
import { layoutTimeWindow } from './time-window';

const kinds: ReadonlyArray<{ kind: RestoreTargetKind; label: string; detail: string }> = [
  { kind: 'latest', label: 'The latest archived WAL', detail: 'replay everything archived' },
  { kind: 'time', label: 'A point in time', detail: 'recovery_target_time' },
  { kind: 'xid', label: 'A transaction id', detail: 'recovery_target_xid' },
  { kind: 'lsn', label: 'An LSN', detail: 'recovery_target_lsn' },
  { kind: 'name', label: 'A restore point', detail: 'made with pg_create_restore_point()' },
  { kind: 'immediate', label: 'The end of the backup', detail: 'recovery_target = immediate' },
];

const actions: ReadonlyArray<{ action: RestoreAction; label: string; detail: string }> = [
  { action: 'pause', label: 'Pause', detail: 'stay read-only at the target until you promote it (PostgreSQL’s default)' },
  { action: 'promote', label: 'Promote', detail: 'end recovery at the target and open for writes on a new timeline' },
  { action: 'shutdown', label: 'Shut down', detail: 'stop the server once the target is reached' },
];

export function TargetStep() {
  const draft = useBarkeep((state) => state.restoreDraft);
  const update = useBarkeep((state) => state.updateRestoreDraft);
  const coverage = useBarkeep((state) => (draft.server === null ? null : state.coverages[draft.server]?.value ?? null));
  const backupList = useBarkeep((state) => (draft.server === null ? null : state.backupLists[draft.server]?.value ?? null));
  const knownRestorePoints = useBarkeep((state) => (draft.server === null ? null : state.restorePoints[draft.server] ?? null));
  const id = useId();
  const restorePoints = knownRestorePoints?.value ?? [];
  const timeWindow = coverage === null ? null : layoutTimeWindow(coverage, restorePointTimes(restorePoints));
  const restorePointMarks = timeWindow === null ? [] : markRestorePoints(timeWindow, restorePoints, draft.targetKind === 'name' ? draft.name : null);
  const chooseRestorePoint = (point: RestorePoint): void => update({ targetKind: 'name', name: point.name });
  const completeBackups = (backupList?.rows ?? []).filter((row) => row.status === 'DONE');

  const chooseKind = (kind: RestoreTargetKind): void => {
    // A first visit to "a point in time" starts at the end of the recoverable window (or now).
    if (kind === 'time' && draft.time === '') update({ targetKind: kind, time: localInputOf(Math.min(timeWindow?.latest ?? Date.now(), Date.now())) });
    else update({ targetKind: kind });
  };

  return (
    <section className="panel restore-step" aria-labelledby={`${id}-title`} data-testid="restore-step-target">
      <h2 id={`${id}-title`} className="step-title"><span className="step-number" aria-hidden="true">2</span>Target</h2>
      <fieldset className="choice-group target-kinds">
        <legend>Stop recovery at</legend>
        {kinds.map(({ kind, label, detail }) => (
          <label key={kind} className="choice">
            <input type="radio" name={`${id}-kind`} value={kind} checked={draft.targetKind === kind} onChange={() => chooseKind(kind)} data-testid={`target-kind-${kind}`} />
            <span>{label}</span>
            <span className="choice-detail">{detail}</span>
          </label>
        ))}
      </fieldset>

      {draft.targetKind === 'time' && (
        <div className="target-detail" data-testid="target-time-detail">
          {timeWindow !== null ? (
            <RecoveryTimeline
              timeWindow={timeWindow} value={draft.time} onPick={(at) => update({ time: localInputOf(at) })}
              restorePoints={restorePointMarks} onChooseRestorePoint={chooseRestorePoint}
            />
          ) : (
            <p className="muted">{coverage === null ? 'Reading the WAL coverage…' : 'Nothing is archived for this server yet: there is no window to draw.'}</p>
          )}
          <div className="field-row">
            <label htmlFor={`${id}-time`}>Date and time <span className="muted">(this computer’s time zone)</span></label>
            <input
              id={`${id}-time`}
              type="datetime-local"
              step={1}
              value={draft.time}
              min={timeWindow?.earliest == null ? undefined : localInputOf(timeWindow.earliest)}
              max={timeWindow?.latest == null ? undefined : localInputOf(timeWindow.latest)}
              onChange={(event) => update({ time: event.target.value })}
              data-testid="target-time"
            />
          </div>
        </div>
      )}
      {draft.targetKind === 'xid' && (
        <div className="field-row target-detail">
          <label htmlFor={`${id}-xid`}>Transaction id</label>
          <input id={`${id}-xid`} className="mono" inputMode="numeric" value={draft.xid} placeholder="7421" onChange={(event) => update({ xid: event.target.value })} data-testid="target-xid" />
          <span className="muted">as txid_current() printed it</span>
        </div>
      )}
      {draft.targetKind === 'lsn' && (
        <div className="field-row target-detail">
          <label htmlFor={`${id}-lsn`}>LSN</label>
          <input id={`${id}-lsn`} className="mono" value={draft.lsn} placeholder="0/3000060" onChange={(event) => update({ lsn: event.target.value })} data-testid="target-lsn" />
          <span className="muted">as pg_current_wal_lsn() prints it</span>
        </div>
      )}
      {draft.targetKind === 'name' && (
        <>
          <RestorePointField name={draft.name} known={knownRestorePoints} onName={(name) => update({ name })} />
          {timeWindow !== null && <RecoveryTimeline timeWindow={timeWindow} value="" restorePoints={restorePointMarks} onChooseRestorePoint={chooseRestorePoint} />}
        </>
      )}
      {takesExclusive(draft.targetKind) && (
        <label className="choice choice-inline">
          <input type="checkbox" checked={draft.exclusive} onChange={(event) => update({ exclusive: event.target.checked })} data-testid="target-exclusive" />
          <span>Stop just before it</span>
          <span className="choice-detail">recovery_target_inclusive = false</span>
        </label>
      )}

      <div className="target-options">
        <div className="field-row">
          <label htmlFor={`${id}-backup`}>From backup</label>
          <select id={`${id}-backup`} value={draft.backup ?? ''} onChange={(event) => update({ backup: event.target.value === '' ? null : event.target.value })} data-testid="restore-backup">
            <option value="">the newest that ends before the target</option>
            {completeBackups.map((row) => (
              <option key={row.backupId} value={row.backupId}>{row.backupId}{row.name === null ? '' : ` (${row.name})`} — ended {formatTimestamp(row.endTime)}</option>
            ))}
          </select>
        </div>
        <div className="field-row">
          <label htmlFor={`${id}-timeline`}>Timeline</label>
          <select
            id={`${id}-timeline`}
            value={String(draft.timeline)}
            onChange={(event) => {
              const value = event.target.value;
              update({ timeline: value === 'latest' || value === 'current' ? value : Number(value) });
            }}
            data-testid="restore-timeline"
          >
            <option value="latest">latest: follow the newest timeline</option>
            <option value="current">current: stay on the backup’s timeline</option>
            {(coverage?.timelines ?? []).map((timeline) => <option key={timeline.timeline} value={timeline.timeline}>{timeline.timeline}</option>)}
          </select>
        </div>
      </div>
      {draft.targetKind !== 'latest' && (
        <fieldset className="choice-group">
          <legend>At the target</legend>
          {actions.map(({ action, label, detail }) => (
            <label key={action} className="choice">
              <input type="radio" name={`${id}-action`} value={action} checked={draft.action === action} onChange={() => update({ action })} data-testid={`target-action-${action}`} />
              <span>{label}</span>
              <span className="choice-detail">{detail}</span>
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}
