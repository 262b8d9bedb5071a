/**
 * Scenario "read a data folder": copy a live pgbench cluster's data folder into
 * a fresh local folder, with Barkeep's SSH transport (remote tar through
 * execStream into a local tar -x) against cp -a, pg_basebackup -Fp and tar over
 * the OpenSSH client. Owns its cluster, sshd and folders; none outlive it.
 */
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openSshTransport } from '../../src-main/engine/transport/ssh-transport';
import { startTestCluster } from '../../test/support/pg-cluster';
import type { TestCluster } from '../../test/support/pg-cluster';
import { startTestSshd } from '../../test/support/sshd';
import type { TestSshd } from '../../test/support/sshd';
import { makeTempDir } from '../../test/support/temp-dir';
import { assertExitCode, findExecutable, measureBytes, quoteForShell, runCommand, startCommand } from '../command';
import type { Contender, Scenario, ScenarioContext, ScenarioFixture } from '../harness';
import { formatMegabytes } from '../report';

export interface ReadDataFolderOptions {
  /** pgbench -i scale: 10 is about 160 MB of tables, 100 about 1.5 GB. */
  pgbenchScale: number;
}

// ssh2 offers aes128-gcm first on CPUs with AES instructions; OpenSSH would pick
// chacha20-poly1305. Both SSH contenders use the same cipher to compare transports, not ciphers.
const sshCipher = 'aes128-gcm@openssh.com';
// GNU tar exits 1 when a file changed while it was read: expected from a running cluster.
const tarCreateOkCodes = [0, 1];

interface Setup {
  cluster: TestCluster;
  sshd: TestSshd;
  destDir: string;
  sourceBytes: number;
  /** Bytes found at the destination after each contender's last run, for the notes. */
  destBytes: Map<string, number>;
}

export function readDataFolderScenario(opts: ReadDataFolderOptions): Scenario {
  return {
    name: 'read-data-folder',
    title: `read a data folder (pgbench scale ${opts.pgbenchScale})`,
    setup: (ctx) => setUp(ctx, opts),
  };
}

async function setUp(ctx: ScenarioContext, opts: ReadDataFolderOptions): Promise<ScenarioFixture> {
  ctx.log(`starting a PostgreSQL cluster and running pgbench -i -s ${opts.pgbenchScale}`);
  const cluster = await startTestCluster({
    pgbenchScale: opts.pgbenchScale,
    settings: {
      // With archive_mode on and no archive_command, WAL piles up and
      // pg_basebackup -X none waits for archiving forever.
      archive_mode: 'off',
      // Keep pg_wal small so every contender copies nearly the same bytes
      // (pg_basebackup -X none leaves pg_wal empty).
      min_wal_size: '32MB',
      max_wal_size: '32MB',
    },
  });
  ctx.onTeardown(() => cluster.stop());
  // Flush dirty buffers and retire old WAL so all contenders see the same, settled files.
  await cluster.psql('select pg_switch_wal()');
  await cluster.psql('checkpoint');
  await cluster.psql('checkpoint');

  ctx.log('starting sshd');
  const sshd = await startTestSshd();
  ctx.onTeardown(() => sshd.stop());

  const workDir = await makeTempDir('bench-read');
  ctx.removeAtEnd(workDir);
  const setup: Setup = {
    cluster, sshd, destDir: path.join(workDir, 'dest'), sourceBytes: await measureBytes(cluster.dataDir), destBytes: new Map(),
  };
  ctx.log(`data folder holds ${formatMegabytes(setup.sourceBytes)}`);

  return {
    bytes: setup.sourceBytes,
    contenders: [cpContender(setup), pgBasebackupContender(setup), openSshTarContender(setup), barkeepSshContender(setup)],
    reset: async () => {
      await ctx.setAside(setup.destDir);
      // Write back the previous run's copy now, or later runs pay for it and times creep up round by round.
      await runCommand('sync', []);
    },
    describe: () => describeRun(setup),
  };
}

function cpContender(setup: Setup): Contender {
  return {
    name: 'cp -a',
    role: 'reference',
    skipReason: missingTools(['cp']),
    run: async () => {
      await runCommand('cp', ['-a', setup.cluster.dataDir, setup.destDir]);
    },
    verify: () => verifyCopy(setup, 'cp -a'),
  };
}

function pgBasebackupContender(setup: Setup): Contender {
  const name = 'pg_basebackup -Fp';
  const binary = path.join(setup.cluster.binDir, 'pg_basebackup');
  return {
    name,
    role: 'reference',
    skipReason: missingTools([binary]),
    run: async () => {
      await runCommand(binary, [
        '-Fp', '-D', setup.destDir, '-h', '127.0.0.1', '-p', String(setup.cluster.port), '-U', 'postgres',
        // -X none: no WAL, like the file copies. --no-sync: cp and tar do not fsync either.
        // -c fast: start at once instead of waiting for a spread checkpoint.
        '-X', 'none', '--no-sync', '-c', 'fast',
      ]);
    },
    verify: () => verifyCopy(setup, name),
  };
}

function openSshTarContender(setup: Setup): Contender {
  const name = 'tar over OpenSSH';
  const { cluster, sshd } = setup;
  const ssh = [
    'ssh', '-F', '/dev/null', '-i', sshd.privateKeyPath,
    '-o', `UserKnownHostsFile=${sshd.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
    '-c', sshCipher, '-p', String(sshd.port), `${sshd.username}@${sshd.host}`,
    `tar -C ${quoteForShell(cluster.dataDir)} -cf - .`,
  ];
  const untar = ['tar', '-C', setup.destDir, '-xf', '-'];
  // bash for PIPESTATUS: the remote tar's status would otherwise be lost in the pipe.
  const script = `${ssh.map(quoteForShell).join(' ')} | ${untar.map(quoteForShell).join(' ')}
status=("\${PIPESTATUS[@]}")
[ "\${status[0]}" -le 1 ] && [ "\${status[1]}" -eq 0 ] || { echo "ssh|tar exited with \${status[*]}" >&2; exit 1; }`;
  return {
    name,
    role: 'reference',
    skipReason: missingTools(['ssh', 'tar', 'bash']),
    run: async () => {
      await mkdir(setup.destDir);
      await runCommand('bash', ['-c', script]);
    },
    verify: () => verifyCopy(setup, name),
  };
}

function barkeepSshContender(setup: Setup): Contender {
  const name = 'ssh transport: tar via execStream';
  const { cluster, sshd } = setup;
  return {
    name,
    role: 'barkeep',
    skipReason: missingTools(['tar']),
    run: async () => {
      // A new connection per run, as the OpenSSH contender pays for its handshake too.
      const transport = await openSshTransport({
        host: sshd.host, port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath, knownHostsFile: sshd.knownHostsFile,
      });
      try {
        await mkdir(setup.destDir);
        const remote = await transport.execStream(`tar -C ${quoteForShell(cluster.dataDir)} -cf - .`);
        remote.stdin.end();
        const remoteErrors: Buffer[] = [];
        remote.stderr.on('data', (chunk: Buffer) => remoteErrors.push(chunk));
        const untar = startCommand('tar', ['-C', setup.destDir, '-xf', '-']);
        const [, remoteExit, local] = await Promise.all([pipeline(remote.stdout, untar.child.stdin!), remote.done, untar.exited]);
        const stderr = Buffer.concat(remoteErrors).toString('utf8');
        assertExitCode(`remote tar on ${transport.description}`, { ...remoteExit, stdout: '', stderr }, tarCreateOkCodes);
        assertExitCode('tar -xf -', local);
      } finally {
        await transport.close();
      }
    },
    verify: () => verifyCopy(setup, name),
  };
}

/** Throws unless the destination looks like a data folder; records its size for the notes. */
async function verifyCopy(setup: Setup, contenderName: string): Promise<void> {
  for (const file of ['PG_VERSION', 'global/pg_control', 'base']) {
    await access(path.join(setup.destDir, file)).catch(() => {
      throw new Error(`the copy in '${setup.destDir}' has no ${file}`);
    });
  }
  setup.destBytes.set(contenderName, await measureBytes(setup.destDir));
}

function describeRun(setup: Setup): string[] {
  const notes = [
    `source: a running cluster's data folder (${formatMegabytes(setup.sourceBytes)} by du -sb, checkpointed before the runs); MB/s counts that size for every contender`,
    'pg_basebackup runs with -X none --no-sync -c fast: no WAL, no fsync (cp and tar do neither), no wait for a spread checkpoint',
    `both SSH contenders use ${sshCipher} and open a new connection per run; all write to a local folder under /tmp, synced before each run`,
  ];
  for (const [name, bytes] of setup.destBytes) {
    // Copies differ slightly (pg_basebackup skips pg_wal, postmaster.pid, temp files): only a big gap is worth a line.
    if (Math.abs(bytes - setup.sourceBytes) > setup.sourceBytes * 0.02) {
      notes.push(`${name} wrote ${formatMegabytes(bytes)} of the ${formatMegabytes(setup.sourceBytes)} source`);
    }
  }
  return notes;
}

/** A skip reason naming the tools that are not installed, or null when all are. */
function missingTools(tools: string[]): string | null {
  const missing = tools.filter((tool) => findExecutable(tool) === null);
  return missing.length === 0 ? null : `${missing.join(', ')} not found (install ${missing.join(', ')} to include it)`;
}
