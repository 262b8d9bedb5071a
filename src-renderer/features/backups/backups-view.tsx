/**
 * The Backups view, a placeholder until the backup issue lands. It names what
 * the view will hold and shows no invented data.
 */
import { PlaceholderPanel } from '../../app/placeholder-panel';

export function BackupsView() {
  return (
    <PlaceholderPanel title="Backups" arrivesWith="the backup issue" testId="view-backups">
      <p>For each server, this view will list its base backups with their id, status, begin and end LSN and WAL
        segment, timeline and size, and let you start a backup, annotate one to keep, or delete one the retention
        policy no longer needs.</p>
    </PlaceholderPanel>
  );
}
