/**
 * A private OpenSSH server for integration tests: 127.0.0.1 on a free port,
 * generated ed25519 host and client keys, login as `postgres` by key only, SFTP
 * enabled. Usage:
 *   const sshd = await startTestSshd();
 *   after(() => sshd.stop());   // idempotent; also runs at process exit
 */
import { spawn, spawnSync, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { quoteShellArg } from '../../src-main/engine/backup/rsync/shell-quote';
import { formatKnownHostsLine } from '../../src-main/engine/transport/known-hosts';
import { freePort, waitForPort } from './free-port';
import { makeTempDir, registerExitCleanup, removeTempDir } from './temp-dir';

const run = promisify(execFile);
const sshdBinary = '/usr/sbin/sshd';
const startAttempts = 3;

export interface TestSshd {
  host: '127.0.0.1';
  port: number;
  username: 'postgres';
  /** The client's ed25519 private key (0600, owned by this process's user). */
  privateKeyPath: string;
  /** known_hosts pinning the server's real host key for [127.0.0.1]:port. */
  knownHostsFile: string;
  /** The folder holding keys, config and known_hosts files. */
  rootDir: string;
  /** The processes sshd serves open connections with (one per connection: its session processes are their children). */
  connectionPids(): number[];
  stop(): Promise<void>;
}

export interface TestSshdOptions {
  /** sshd's RekeyLimit, e.g. '4M': a key re-exchange after that much data each way. */
  rekeyLimit?: string;
  /**
   * sshd runs in a mount namespace of its own where each source folder is mounted over its target:
   * its sessions see another tree there (another cluster's data folder at this one's path), the rest
   * of the machine does not. Needs `unshare` and the right to mount (mountNamespaceRefusal() says).
   */
  bindMounts?: { source: string; target: string }[];
  /** A line the login prints before every command, as a chatty ~/.bashrc would (letters, digits and spaces). */
  greeting?: string;
}

/** Why sshd cannot run in a mount namespace of its own here (bindMounts), or null when it can. */
export function mountNamespaceRefusal(): string | null {
  const tried = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind / /mnt'], { encoding: 'utf8' });
  if (tried.error) return `unshare could not run: ${tried.error.message}`;
  return tried.status === 0 ? null : `a mount namespace is refused here: ${tried.stderr.trim() || `exit ${tried.status}`}`;
}

/** Starts sshd and waits until its port accepts connections. */
export async function startTestSshd(options: TestSshdOptions = {}): Promise<TestSshd> {
  await run('install', ['-d', '-m', '0755', '/run/sshd']);
  const rootDir = await makeTempDir('sshd');
  // sshd reads AuthorizedKeysFile as the logged-in user (postgres): let it in.
  await chmod(rootDir, 0o755);
  const hostKey = path.join(rootDir, 'ssh_host_ed25519_key');
  const privateKeyPath = path.join(rootDir, 'client_ed25519');
  const authorizedKeys = path.join(rootDir, 'authorized_keys');
  const knownHostsFile = path.join(rootDir, 'known_hosts');
  const configFile = path.join(rootDir, 'sshd_config');
  await generateKey(hostKey);
  await generateKey(privateKeyPath);
  await writeFile(authorizedKeys, await readFile(`${privateKeyPath}.pub`), { mode: 0o644 });

  let child: ChildProcess | null = null;
  let port = 0;
  let stopped = false;
  const unregister = registerExitCleanup(() => {
    child?.kill('SIGKILL');
  });
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child) await stopProcess(child);
    unregister();
    await removeTempDir(rootDir);
  };

  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      await writeFile(configFile, renderConfig({
        port, hostKey, authorizedKeys, pidFile: path.join(rootDir, 'sshd.pid'), rekeyLimit: options.rekeyLimit, greeting: options.greeting,
      }));
      await run(sshdBinary, ['-t', '-f', configFile]);
      const started = spawnSshd(configFile, options.bindMounts ?? []);
      child = started.child;
      try {
        await waitForPort('127.0.0.1', port, 10_000, () => started.child.exitCode !== null || started.child.signalCode !== null);
        break;
      } catch (error) {
        await stopProcess(started.child);
        const output = started.output();
        if (attempt >= startAttempts || !/address already in use/i.test(output)) {
          throw new Error(`sshd did not start on 127.0.0.1:${port}: ${output.trim() || (error as Error).message}`);
        }
      }
    }
    const hostPublicKey = await readPublicKeyBlob(`${hostKey}.pub`);
    await writeFile(knownHostsFile, `${formatKnownHostsLine('127.0.0.1', port, hostPublicKey)}\n`);
    const listener = child!.pid!;
    const connectionPids = (): number[] => childPids(listener);
    return { host: '127.0.0.1', port, username: 'postgres', privateKeyPath, knownHostsFile, rootDir, connectionPids, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Writes a known_hosts file that pins a freshly generated (wrong) key for the sshd's host and port. */
export async function writeMismatchedKnownHosts(sshd: TestSshd): Promise<string> {
  const wrongKey = path.join(sshd.rootDir, `wrong_host_key_${Date.now()}`);
  await generateKey(wrongKey);
  const file = path.join(sshd.rootDir, 'known_hosts.mismatched');
  await writeFile(file, `${formatKnownHostsLine(sshd.host, sshd.port, await readPublicKeyBlob(`${wrongKey}.pub`))}\n`);
  return file;
}

/** Writes a known_hosts file that knows the key, but only for another port: the sshd's host is unknown to it. */
export async function writeUnrelatedKnownHosts(sshd: TestSshd): Promise<string> {
  const file = path.join(sshd.rootDir, 'known_hosts.unrelated');
  const blob = await readPublicKeyBlob(path.join(sshd.rootDir, 'ssh_host_ed25519_key.pub'));
  await writeFile(file, `${formatKnownHostsLine(sshd.host, sshd.port === 1 ? 2 : sshd.port - 1, blob)}\n`);
  return file;
}

function renderConfig(cfg: { port: number; hostKey: string; authorizedKeys: string; pidFile: string; rekeyLimit: string | undefined; greeting: string | undefined }): string {
  if (cfg.greeting !== undefined && !/^[\w ]+$/.test(cfg.greeting)) throw new Error(`a greeting of letters, digits and spaces only: '${cfg.greeting}'`);
  return [
    `Port ${cfg.port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${cfg.hostKey}`,
    `PidFile ${cfg.pidFile}`,
    `AuthorizedKeysFile ${cfg.authorizedKeys}`,
    // Keys live under /tmp, which StrictModes would refuse.
    'StrictModes no',
    // The postgres account has a locked password; without PAM sshd refuses it.
    'UsePAM yes',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    'AllowUsers postgres',
    'UseDNS no',
    'PrintMotd no',
    'LogLevel ERROR',
    'Subsystem sftp internal-sftp',
    ...(cfg.rekeyLimit ? [`RekeyLimit ${cfg.rekeyLimit}`] : []),
    // The user's shell runs this instead of the command, which it then runs itself.
    ...(cfg.greeting !== undefined ? [`ForceCommand echo ${cfg.greeting}; eval "$SSH_ORIGINAL_COMMAND"`] : []),
    '',
  ].join('\n');
}

function spawnSshd(configFile: string, bindMounts: readonly { source: string; target: string }[]): { child: ChildProcess; output: () => string } {
  const sshd = [sshdBinary, '-D', '-e', '-f', configFile];
  // unshare and sh exec into sshd: the child's pid stays sshd's.
  const mounts = bindMounts.map(({ source, target }) => `mount --bind ${quoteShellArg(source)} ${quoteShellArg(target)} && `).join('');
  const [command, ...args] = bindMounts.length === 0 ? sshd
    : ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `${mounts}exec ${sshd.map(quoteShellArg).join(' ')}`];
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.on('error', (error) => collect(Buffer.from(`${error.message}\n`)));
  // A test that forgets stop() must still let the process exit (and the exit cleanup kill sshd).
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.unref();
  return { child, output: () => output };
}

/** A process's children, as the kernel lists them. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function generateKey(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'barkeep-test', '-f', file]);
}

async function readPublicKeyBlob(pubFile: string): Promise<Buffer> {
  const [, base64] = (await readFile(pubFile, 'utf8')).trim().split(/\s+/);
  if (!base64) throw new Error(`no public key in '${pubFile}'`);
  return Buffer.from(base64, 'base64');
}
