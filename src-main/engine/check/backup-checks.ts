/**
 * Checks of the backups the catalog knows: retention policy settings, the age
 * and size of the newest DONE backup, FAILED backups and minimum redundancy.
 * Reads the catalog only (an index kept in step with the backup.json files).
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { RetentionPolicy } from '../config/load';
import { formatAge, formatBytes, formatInterval, subtractInterval } from './age';
import { always, failed, passed, type CheckContext, type CheckDefinition } from './model';

export const retentionPolicyCheck: CheckDefinition = {
  name: 'retention policy settings',
  severity: 'warning',
  appliesTo: always,
  async run(ctx) {
    const policy = ctx.server.retentionPolicy;
    if (policy === null) return passed();
    if (policy.kind === 'redundancy' && policy.copies < ctx.server.minimumRedundancy) {
      return failed(`${describePolicy(policy)} keeps fewer backups than minimum_redundancy ${ctx.server.minimumRedundancy}`,
        `make them agree in ${ctx.server.file}: raise the REDUNDANCY or lower minimum_redundancy (retention never goes below minimum_redundancy)`);
    }
    return passed();
  },
};

export const backupMaximumAgeCheck: CheckDefinition = {
  name: 'backup maximum age',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const limit = ctx.server.lastBackupMaximumAge;
    if (limit === null) return passed('no last_backup_maximum_age provided');
    const newest = newestDoneBackup(ctx);
    const endedAt = newest?.endTime ? new Date(newest.endTime) : null;
    const detail = `interval provided: ${formatInterval(limit)}, latest backup age: ${endedAt ? formatAge(ctx.now.getTime() - endedAt.getTime()) : 'No available backups'}`;
    if (endedAt !== null && endedAt >= subtractInterval(ctx.now, limit)) return passed(detail);
    return failed(detail,
      `take a backup with \`barkeep backup ${ctx.server.name}\` (backup_schedule takes them on their own), or raise last_backup_maximum_age in ${ctx.server.file}`);
  },
};

export const backupMinimumSizeCheck: CheckDefinition = {
  name: 'backup minimum size',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const size = newestDoneBackup(ctx)?.sizeBytes ?? 0;
    const minimum = ctx.server.lastBackupMinimumSize;
    if (minimum === null || size >= minimum) return passed(formatBytes(size));
    return failed(`the last backup is ${formatBytes(size)}, expected at least ${formatBytes(minimum)}`,
      `look at what the last backup copied (\`barkeep show-backup ${ctx.server.name} latest\`), or lower last_backup_minimum_size in ${ctx.server.file}`);
  },
};

export const failedBackupsCheck: CheckDefinition = {
  name: 'failed backups',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const count = ctx.catalog.listBackups(ctx.server.name).filter((backup) => backup.status === 'FAILED').length;
    const detail = `there are ${count} failed backups`;
    if (count === 0) return passed(detail);
    return failed(detail,
      `list them with \`barkeep list-backups ${ctx.server.name}\`, find why they failed, then remove them with \`barkeep delete ${ctx.server.name} BACKUP_ID\``);
  },
};

export const minimumRedundancyCheck: CheckDefinition = {
  name: 'minimum redundancy requirements',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const have = ctx.catalog.backupStats(ctx.server.name).count;
    const expected = ctx.server.minimumRedundancy;
    const detail = `have ${have} backups, expected at least ${expected}`;
    if (have >= expected) return passed(detail);
    return failed(detail,
      `take backups with \`barkeep backup ${ctx.server.name}\` until there are ${expected}, or lower minimum_redundancy in ${ctx.server.file}`);
  },
};

function newestDoneBackup(ctx: CheckContext): BackupInfo | null {
  const done = ctx.catalog.listBackups(ctx.server.name).filter((backup) => backup.status === 'DONE');
  return done.at(-1) ?? null;
}

function describePolicy(policy: RetentionPolicy): string {
  return policy.kind === 'redundancy'
    ? `REDUNDANCY ${policy.copies}`
    : `RECOVERY WINDOW OF ${policy.amount} ${policy.unit.toUpperCase()}`;
}
