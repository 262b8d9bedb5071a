/**
 * The Disk view, a placeholder until the backup issue lands. It names what the
 * view will hold and shows no invented data.
 */
import { PlaceholderPanel } from '../../app/placeholder-panel';

export function DiskView() {
  return (
    <PlaceholderPanel title="Disk" arrivesWith="the backup issue" testId="view-disk">
      <p>This view will show the space each server takes in the Barkeep home: base backups and archived WAL
        separately, with files hard-linked between backups counted once, and what the retention policy would free.</p>
    </PlaceholderPanel>
  );
}
