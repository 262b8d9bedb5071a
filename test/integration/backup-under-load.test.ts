// Backups taken while pgbench writes, with each method (rsync through the real sshd,
// postgres over the replication protocol): a full, then an incremental that
// hard-links the files that did not change, both while two pgbench clients run.
// pgbench keeps its own ledger: every transaction adds one delta to an account, a
// teller and a branch and logs it in pgbench_history, so in any consistent state
// the four sums agree. Each restored copy must agree with itself that way and pass
// pg_amcheck (heap and every index); restored to a restore point made after the
// load, it must hold exactly the primary's sums and rows there. A reuse that kept a
// stale file fails here (tried: pg_amcheck finds the damage) while pg_verifybackup
// still passes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runAsClusterOwner } from '../../src-main/engine/postgres/local-cluster';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';
import type { TestCluster } from '../support/pg-cluster';
import { archiveWrittenWal, takeBackup } from '../support/recovery-archive';
import { makeRestoreFolder, startRestoredCluster } from '../support/recovery-restored-cluster';
import { restoreSshCommand } from '../support/recovery-ssh-command';
import { startTestSshd, type TestSshd } from '../support/sshd';

interface BackupInfo { backupId: string; sizeBytes: number; ownBytes: number | null }

/** The four sums of pgbench's ledger, and how many transactions it logged. */
const ledgerSql = `select (select sum(abalance) from pgbench_accounts) || ' ' || (select sum(tbalance) from pgbench_tellers)
  || ' ' || (select sum(bbalance) from pgbench_branches) || ' ' || (select coalesce(sum(delta), 0) from pgbench_history)
  || ' ' || (select count(*) from pgbench_history)`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function assertLedgerAgrees(ledger: string, where: string): void {
  const [accounts, tellers, branches, history, rows] = ledger.split(' ');
  assert.ok(Number(rows) > 0, `${where}: pgbench logged no transaction (${ledger})`);
  assert.deepEqual([tellers, branches, history], [accounts, accounts, accounts], `${where}: the ledger's sums disagree (${ledger})`);
}

for (const method of ['rsync', 'postgres'] as const) {
  describe(`backup method ${method} under pgbench load`, () => {
    let sshd: TestSshd | undefined;
    let fixture: ArchivedCluster | undefined;
    let cluster: TestCluster;
    const backups: BackupInfo[] = [];
    /** the primary's ledger at restore point 'after_load', once every pgbench client had stopped */
    let ledgerAfterLoad = '';
    /** pgbench transactions committed before the first backup started and after the second one ended */
    const historyRows = { beforeFirst: 0, afterSecond: 0 };
    const barkeep = (...args: string[]) => fixture!.barkeep(...args);

    before(async () => {
      if (method === 'rsync') sshd = await startTestSshd();
      fixture = await startArchivedCluster(`load-${method}`, sshd
        ? ['backup_method = rsync', `ssh_command = ${restoreSshCommand(sshd)}`, 'reuse_backup = link', 'parallel_jobs = 2']
        : ['reuse_backup = link']);
      cluster = fixture.cluster;
      const pgbench = (args: string[]) => runAsClusterOwner(path.join(cluster.binDir, 'pgbench'),
        [...args, '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'postgres']);
      const init = await pgbench(['-i', '-q', '-s', '5']);
      assert.equal(init.code, 0, init.stderr);

      // Two clients for up to two minutes; stopped by terminating their sessions once both backups are done.
      let loadEnded = false;
      const load = pgbench(['-n', '-c', '2', '-T', '120']).finally(() => { loadEnded = true; });
      const committed = async () => Number(await cluster.psql('select count(*) from pgbench_history'));
      for (let waited = 0; (historyRows.beforeFirst = await committed()) < 500; waited += 100) {
        if (waited > 30_000 || loadEnded) assert.fail(`pgbench committed only ${historyRows.beforeFirst} transactions in 30 s: ${(await load).stderr}`);
        await sleep(100);
      }
      for (let i = 0; i < 2; i++) {
        await takeBackup(fixture);
        await sleep(500);
      }
      historyRows.afterSecond = await committed();
      assert.ok(!loadEnded, `pgbench ended before the backups did: ${loadEnded ? (await load).stderr : ''}`);
      await cluster.psql("select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = 'pgbench'");
      await load;

      await cluster.psql("select pg_create_restore_point('after_load')");
      ledgerAfterLoad = await cluster.psql(ledgerSql);
      await archiveWrittenWal(fixture);
      const list = await barkeep('-f', 'json', 'list-backup', 'pg');
      assert.equal(list.code, 0, list.stderr);
      backups.push(...(JSON.parse(list.stdout) as BackupInfo[]).reverse());
    });

    after(async () => {
      await fixture?.stop();
      await sshd?.stop();
    });

    /** Restores backup `backupId` with `target` into a new folder, starts it, returns its ledger after pg_amcheck passed. */
    async function restoreAndReadLedger(backupId: string, target: string[]): Promise<string> {
      const folder = await makeRestoreFolder('load-restore', cluster.binDir);
      try {
        const restored = await barkeep('restore', 'pg', backupId, folder.dataDir, ...target, '--target-action', 'promote');
        assert.equal(restored.code, 0, restored.stderr + restored.stdout);
        const { port, psql } = await startRestoredCluster(folder);
        const amcheck = await runAsClusterOwner(path.join(cluster.binDir, 'pg_amcheck'), [
          '--install-missing', '--heapallindexed', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'postgres',
        ]);
        assert.equal(amcheck.code, 0, `pg_amcheck found damage:\n${amcheck.stdout}${amcheck.stderr}`);
        return await psql(ledgerSql);
      } finally {
        await folder.dispose();
      }
    }

    test('both backups ran under load; the second hard-links what did not change; pg_verifybackup accepts both', async () => {
      assert.equal(backups.length, 2);
      assert.ok(historyRows.afterSecond > historyRows.beforeFirst, 'pgbench kept committing while the backups ran');
      const [full, incremental] = backups as [BackupInfo, BackupInfo];
      assert.ok(incremental.ownBytes !== null && incremental.ownBytes < incremental.sizeBytes,
        `the incremental reused nothing: own ${incremental.ownBytes} of ${incremental.sizeBytes}`);
      for (const backup of [full, incremental]) {
        const verify = await barkeep('verify-backup', 'pg', backup.backupId);
        assert.equal(verify.code, 0, verify.stderr + verify.stdout);
        assert.match(verify.stdout, /pg_verifybackup: passed: backup successfully verified/);
      }
    });

    test('each backup restored to the point it became consistent keeps pgbench\'s ledger whole', async () => {
      for (const backup of backups) {
        const ledger = await restoreAndReadLedger(backup.backupId, ['--target-immediate']);
        assertLedgerAgrees(ledger, `backup ${backup.backupId}`);
        // It holds what was committed before it started, at least.
        assert.ok(Number(ledger.split(' ')[4]) >= historyRows.beforeFirst, `backup ${backup.backupId} lost transactions: ${ledger}`);
      }
    });

    test('the incremental restored to the restore point after the load holds exactly the primary\'s ledger there', async () => {
      assertLedgerAgrees(ledgerAfterLoad, 'the primary');
      const ledger = await restoreAndReadLedger(backups[1]!.backupId, ['--target-name', 'after_load']);
      assert.equal(ledger, ledgerAfterLoad);
    });
  });
}
