/**
 * `verify-backup` as a job for the app: the report's findings become log
 * lines, and a backup that does not verify fails the job with 'verify-failed'
 * (the same message and hint as the command line).
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import { EngineError } from '../../../shared/errors';
import type { ServerConfig } from '../config/load';
import type { JobContext } from '../jobs/job-queue';
import { verifyBackup, type VerifyReport } from './verify-backup';

export async function runVerifyJob(server: ServerConfig, backup: BackupInfo, pgBinDir: string | null, ctx: JobContext): Promise<VerifyReport> {
  ctx.progress({ phase: 'verifying' });
  ctx.log(`verifying backup ${backup.backupId} of server '${server.name}' against its manifest`);
  const report = await verifyBackup(server, backup, { signal: ctx.signal, pgBinDir });
  const { ours, pgVerifybackup } = report;
  ctx.log(`checksums: ${ours.ok ? 'ok' : 'FAILED'} (${ours.filesChecked} files, ${ours.bytesChecked} bytes; manifest checksum ${ours.manifestChecksumValid ? 'ok' : 'wrong'})`,
    ours.ok ? 'info' : 'error');
  for (const problem of ours.problems) ctx.log(problem, 'error');
  ctx.log(`pg_verifybackup: ${pgVerifybackup.status}${pgVerifybackup.output ? `: ${pgVerifybackup.output}` : ''}`,
    pgVerifybackup.status === 'failed' ? 'error' : pgVerifybackup.status === 'not-installed' ? 'warn' : 'info');
  if (!report.ok) {
    throw new EngineError('verify-failed', `backup ${report.backupId} of server '${report.server}' did not verify`,
      'take a new backup; keep this one aside to find out what damaged it');
  }
  return report;
}
