/**
 * The WAL steps of a scheduler pass: archive what archive_command left in
 * incoming/ (archiver = on), and start receive-wal (streaming_archiver = on)
 * when no process holds its archiver lock — once per minute across every
 * scheduler, so two of them never start two archivers.
 */
import type { ServerConfig } from '../config/load';
import { readArchiverLock } from '../wal/archiver-lock';
import { processIncoming, type IncomingReport } from '../wal/incoming';
import { describeUnclaimed, runPassJob, type PassContext } from './pass-context';
import { wantsStreaming } from './receiver-launcher';

export async function archiveIncomingStep(pass: PassContext, server: ServerConfig): Promise<void> {
  if (!server.archiver) return;
  await runPassJob(pass, server, 'archive-incoming', async () => {
    const report = await processIncoming(server, pass.engine.catalog);
    if (report.files.length > 0) pass.engine.invalidate('wal', server.name);
    for (const file of report.files.filter((result) => result.message !== null)) {
      pass.engine.catalog.recordEvent(server.name, `wal-${file.outcome}`, file.message!);
    }
    return { detail: describeIncoming(report), changed: report.files.length > 0 };
  });
}

export async function receiveWalStep(pass: PassContext, server: ServerConfig): Promise<void> {
  if (!wantsStreaming(server)) return;
  const report = (status: 'running' | 'started' | 'failed' | 'not-due', detail: string): void =>
    pass.report({ server: server.name, job: 'receive-wal', status, detail, due: null });
  const holder = readArchiverLock(server.backupDirectory);
  if (holder !== null) {
    report('running', `pid ${holder.pid}${holder.owner === 'app' ? ' (inside the app, serve or cron --daemon)' : ''}, since ${holder.startedAt}`);
    return;
  }
  const attempt = pass.claims.claimPass('receive-wal', server.name, pass.minute, new Date());
  if (attempt.kind !== 'claimed') {
    report(attempt.kind === 'running' ? 'running' : 'not-due', attempt.kind === 'running' ? `being started: ${describeUnclaimed(attempt, true)}` : describeUnclaimed(attempt, true));
    return;
  }
  // The claim stays open until the new archiver holds its lock: a scheduler looking meanwhile sees it being started.
  const launch = await pass.receivers.launch(server).catch((error: unknown) => ({ ok: false as const, detail: (error as Error).message }));
  attempt.claim.finish(launch.ok ? 'ok' : 'failed', launch.detail);
  if (launch.ok) {
    pass.engine.catalog.recordEvent(server.name, 'receive-wal-started', `receive-wal started by the scheduler: ${launch.detail}`);
    report('started', launch.detail);
  } else {
    pass.engine.catalog.recordEvent(server.name, 'archiver-failed', `receive-wal did not start: ${launch.detail}`);
    report('failed', launch.detail);
  }
}

function describeIncoming(report: IncomingReport): string {
  if (report.files.length === 0) return 'nothing waiting in incoming/';
  const counts = new Map<string, number>();
  for (const file of report.files) counts.set(file.outcome, (counts.get(file.outcome) ?? 0) + 1);
  const parts = [...counts].map(([outcome, count]) => `${count} ${outcome}`);
  return `${report.files.length} WAL file${report.files.length === 1 ? '' : 's'}: ${parts.join(', ')}${report.refused > 0 ? ' (refused files are in errors/)' : ''}`;
}
