/**
 * The SSH login an ssh command line describes (ssh_command, a remote restore's
 * --remote-ssh-command), opened the way every Barkeep SSH session is: ssh2
 * with its host, port, user and identity (or the default key), the pinned
 * known_hosts, and a passphrase kept in the secret store. The backups, the
 * `ssh` check and remote restores all log in here, so a check that passes means
 * the backup's login works too. A backup's connection may be kept open after
 * it (connection_persist) for the next backup of the same login to take up.
 */
import { EngineError } from '../../../../shared/errors';
import { openSshCopyConnection } from '../../transport/ssh-copy-connection';
import type { CopyConnection } from '../../transport/ssh-copy-connection';
import { KeptConnections } from '../../transport/kept-connections';
import { isHostKeyStillPinned, openSshTransport } from '../../transport/ssh-transport';
import type { SshTarget } from '../../transport/ssh-transport';
import type { Transport } from '../../transport/transport';
import { findDefaultKey, parseSshCommand } from './ssh-command';

export interface SshLoginOptions {
  signal?: AbortSignal | undefined;
  /** what to change when no key is named and none of ~/.ssh/id_* exists, e.g. "add -i KEY to ssh_command" */
  keyHint: string;
}

export async function openSshLogin(sshCommand: string, options: SshLoginOptions): Promise<Transport> {
  return openSshTransport(resolveLogin(sshCommand, options));
}

/** Copy connections between backups, one per login (host, port, user, key, known_hosts). */
const keptCopyConnections = new KeptConnections<CopyConnection>();
/** How long a kept connection has to show it still serves; a new login takes over after that. */
const keptConnectionAnswerMs = 5_000;

/**
 * The same login, as a connection for the bulk copies of a backup (ssh-copy-connection.ts): the one
 * kept from an earlier backup when it still serves, else a new login.
 */
export async function openSshCopyLogin(sshCommand: string, options: SshLoginOptions): Promise<CopyConnection> {
  const target = resolveLogin(sshCommand, options);
  return (await takeKeptConnection(target, options.signal)) ?? openSshCopyConnection(target);
}

/** Keeps a copy connection for `idleMs` (connection_persist) for the next backup over the same login; 0 closes it. */
export function keepSshCopyLogin(sshCommand: string, connection: CopyConnection, idleMs: number): Promise<void> {
  return keptCopyConnections.keep(loginKey(resolveLogin(sshCommand, { keyHint: '' })), connection, idleMs);
}

/** Closes every kept copy connection: a host shutting down, a test or the bench ending. */
export function closeKeptSshLogins(): Promise<void> {
  return keptCopyConnections.closeAll();
}

/**
 * The kept connection of this login, if it still serves: known_hosts still pins the key it was opened
 * with, and a command answers (a peer gone without a word, a network cut, leaves it open on this side).
 */
async function takeKeptConnection(target: SshTarget, signal: AbortSignal | undefined): Promise<CopyConnection | null> {
  const serves = async (kept: CopyConnection, deadline: AbortSignal): Promise<true | null> =>
    (await isHostKeyStillPinned(target, kept.hostKey)) && (await kept.exec('true', { signal: deadline })).code === 0 ? true : null;
  return (await keptCopyConnections.takeAnswering(loginKey(target), serves, keptConnectionAnswerMs, signal))?.connection ?? null;
}

function loginKey(target: SshTarget): string {
  return JSON.stringify([target.host, target.port ?? 22, target.username, target.privateKeyPath, target.knownHostsFile]);
}

function resolveLogin(sshCommand: string, options: SshLoginOptions): SshTarget {
  const target = parseSshCommand(sshCommand);
  const privateKeyPath = target.privateKeyPath ?? findDefaultKey();
  if (!privateKeyPath) {
    throw new EngineError('ssh-auth-failed', `no ssh private key for ${target.username}@${target.host}`,
      `${options.keyHint}, or create ~/.ssh/id_ed25519 and authorize it on that host`);
  }
  return {
    host: target.host, port: target.port, username: target.username, privateKeyPath, knownHostsFile: target.knownHostsFile,
    ...(options.signal ? { signal: options.signal } : {}),
  };
}
