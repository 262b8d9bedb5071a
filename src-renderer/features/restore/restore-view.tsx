/**
 * The Restore view, a placeholder until the recovery issue lands. It names what
 * the view will hold and shows no invented data.
 */
import { PlaceholderPanel } from '../../app/placeholder-panel';

export function RestoreView() {
  return (
    <PlaceholderPanel title="Restore" arrivesWith="the recovery issue" testId="view-restore">
      <p>This view will plan a restore: choose a server and a target (latest, a time, an LSN, a transaction id or a
        named restore point), see which backup and which WAL range it needs, and copy it to a local folder or to
        another host over SSH, with tablespace mapping and the recovery settings written for you.</p>
    </PlaceholderPanel>
  );
}
