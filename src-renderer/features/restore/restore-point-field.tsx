/**
 * The target step's restore point: the ones found in the server's archived
 * WAL to pick from (newest first, with when and where each was made), and the
 * name itself, which can be typed too: older WAL was not scanned, and the plan
 * says whether recovery can find a name not listed.
 */
import { useId, useState } from 'react';
import type { RestorePoint } from '../../../shared/domain/restore-point';
import type { Loadable } from '../../store/server-view-slice';
import { formatTimestamp } from '../backups/backup-format';
import { newestFirst, restorePointKey } from './restore-point-marks';

interface RestorePointFieldProps {
  name: string;
  known: Loadable<RestorePoint[]> | null;
  onName: (name: string) => void;
}

export function RestorePointField({ name, known, onName }: RestorePointFieldProps) {
  const id = useId();
  const points = newestFirst(known?.value ?? []);
  // Several may share a name: the one picked stays selected; a typed name selects its newest namesake.
  const [picked, setPicked] = useState<string | null>(null);
  const selected = points.find((point) => restorePointKey(point) === picked && point.name === name)
    ?? points.find((point) => point.name === name);
  const status = known === null || (known.status === 'loading' && known.value === null) ? 'Reading the restore points found in the archived WAL…'
    : known.status === 'failed' ? `Could not list the restore points: ${known.problem.message}`
      : points.length === 0 ? 'No restore point was found in the archived WAL: type its name.'
        : null;

  return (
    <div className="target-detail restore-point-target" data-testid="target-name-detail">
      <div className="field-row">
        <label htmlFor={`${id}-known`}>Known restore points</label>
        <select
          id={`${id}-known`}
          className="mono"
          value={selected === undefined ? '' : restorePointKey(selected)}
          disabled={points.length === 0}
          onChange={(event) => {
            const point = points.find((candidate) => restorePointKey(candidate) === event.target.value);
            setPicked(point === undefined ? null : restorePointKey(point));
            if (point !== undefined) onName(point.name);
          }}
          data-testid="target-restore-points"
        >
          <option value="">{points.length === 0 ? 'none found' : 'choose one, newest first…'}</option>
          {points.map((point) => (
            <option key={restorePointKey(point)} value={restorePointKey(point)}>
              {`${point.name} — ${formatTimestamp(point.time)} — LSN ${point.endLsn}${point.timeline === 1 ? '' : ` (timeline ${point.timeline})`}`}
            </option>
          ))}
        </select>
      </div>
      {status !== null && <p className="muted" data-testid="target-restore-points-status">{status}</p>}
      <div className="field-row">
        <label htmlFor={`${id}-name`}>Restore point</label>
        <input id={`${id}-name`} className="mono" value={name} maxLength={63} onChange={(event) => onName(event.target.value)} data-testid="target-name" />
        <span className="muted">the name given to pg_create_restore_point(); one not listed can be typed (older WAL was not scanned)</span>
      </div>
    </div>
  );
}
