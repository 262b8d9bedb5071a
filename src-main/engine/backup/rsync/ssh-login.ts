/**
 * The SSH login an ssh command line describes (ssh_command, a remote restore's
 * --remote-ssh-command), opened the way every Barkeep SSH session is: ssh2
 * with its host, port, user and identity (or the default key), the pinned
 * known_hosts, and a passphrase kept in the secret store. The backups, the
 * `ssh` check and remote restores all log in here, so a check that passes means
 * the backup's login works too.
 */
import { EngineError } from '../../../../shared/errors';
import { openSshCopyConnection } from '../../transport/ssh-copy-connection';
import type { CopyConnection } from '../../transport/ssh-copy-connection';
import { openSshTransport } from '../../transport/ssh-transport';
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

/** The same login, as a connection for the bulk copies of a backup (ssh-copy-connection.ts). */
export async function openSshCopyLogin(sshCommand: string, options: SshLoginOptions): Promise<CopyConnection> {
  return openSshCopyConnection(resolveLogin(sshCommand, options));
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
