/**
 * The Transport interface over SSH (ssh2): exec channels for commands, one
 * SFTP session for stat/list/read/write. Host keys are always checked against
 * a pinned known_hosts file; there is deliberately no way to turn that off.
 */
import { readFile } from 'node:fs/promises';
import type net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client, ClientChannel, ConnectConfig, ServerHostKeyAlgorithm, SFTPWrapper } from 'ssh2';
import { EngineError } from '../../../shared/errors';
import {
  checkHostKey, fingerprintSha256, formatKnownHostsLine, listKnownKeyTypes, parseKnownHosts,
} from './known-hosts';
import type { HostKeyVerdict } from './known-hosts';
import { execCollecting, holdByPausing, readFileType, wrapUntilClosed } from './transport';
import type { DirEntry, ExecOptions, ExecResult, ExecStream, FileStat, Transport } from './transport';
import { sessionRefusedHint } from './ssh-sessions';
import { findStoredPassphrase } from './stored-passphrases';

export interface SshTarget {
  host: string;
  /** Default 22. */
  port?: number;
  username: string;
  privateKey?: Buffer | string;
  privateKeyPath?: string;
  passphrase?: string;
  knownHostsFile: string;
  signal?: AbortSignal;
  /** Default 20 s. */
  readyTimeoutMs?: number;
}

const sftpNoSuchFile = 2;
const defaultHostKeyAlgorithms: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
];

/** Connects, authenticates with a key and checks the host key; the caller must close() it. */
export async function openSshTransport(target: SshTarget): Promise<Transport> {
  const { client, where } = await connectSshClient(target);
  return createSshTransport(client, where);
}

/**
 * The login of openSshTransport, as a bare ssh2 client: over `socket` when
 * given (not yet connected: it is connected here), else over node's own.
 */
export async function connectSshClient(target: SshTarget, socket?: net.Socket): Promise<{ client: Client; where: string; hostKey: Buffer }> {
  const port = target.port ?? 22;
  const where = `${target.username}@${target.host}:${port}`;
  // A passphrase not given comes from the secret store when one is kept for this login (stored-passphrases.ts).
  const passphrase = target.passphrase
    ?? findStoredPassphrase({ host: target.host, port, username: target.username, privateKeyPath: target.privateKeyPath ?? null });
  if (passphrase !== undefined) target = { ...target, passphrase };
  const privateKey = await loadPrivateKey(target, where);
  const knownHosts = parseKnownHosts(await readKnownHosts(target.knownHostsFile));
  let verdict: { result: HostKeyVerdict; keyBlob: Buffer } | null = null;
  const config: ConnectConfig = {
    host: target.host,
    port,
    username: target.username,
    privateKey,
    ...(target.passphrase === undefined ? {} : { passphrase: target.passphrase }),
    readyTimeout: target.readyTimeoutMs ?? 20_000,
    // Straight to the key: asking for "none" first only learns the methods, and OpenSSH delays
    // every failed attempt (~8 ms of a 45 ms login on loopback).
    authHandler: ['publickey'],
    // Ask for the key types already pinned first, as OpenSSH does, so a host
    // with several keys presents the one we know.
    algorithms: { serverHostKey: orderHostKeyAlgorithms(listKnownKeyTypes(knownHosts, target.host, port)) },
    hostVerifier: (keyBlob: Buffer) => {
      const result = checkHostKey(knownHosts, target.host, port, keyBlob);
      verdict = { result, keyBlob };
      return result.kind === 'match';
    },
  };
  if (target.signal?.aborted) throw cancelled(where);

  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    const abort = (): void => {
      client.end();
      reject(cancelled(where));
    };
    target.signal?.addEventListener('abort', abort, { once: true });
    client.once('ready', () => {
      target.signal?.removeEventListener('abort', abort);
      resolve();
    });
    client.once('error', (error: Error & { level?: string }) => {
      target.signal?.removeEventListener('abort', abort);
      client.end();
      reject(translateConnectError(error, verdict, target, port, where));
    });
    if (socket) {
      socket.connect({ host: target.host, port });
      config.sock = socket;
    }
    client.connect(config);
    // From the first packet on: with Nagle's algorithm the userauth request waited ~40 ms for a
    // delayed ACK (connect measured 72 ms, 34-42 ms without), and each short exec ~47 ms instead of ~4 ms.
    client.setNoDelay(true);
  });
  // Later connection errors surface through the failing operation.
  client.on('error', () => {});
  // 'ready' comes only after hostVerifier accepted a key (TypeScript does not see the callback's assignment).
  // A copy: the blob is a view of the packet as read, and a copy connection's reads reuse their memory.
  const accepted = verdict as { keyBlob: Buffer } | null;
  return { client, where, hostKey: Buffer.from(accepted!.keyBlob) };
}

/** Whether the host key a connection was opened with is still the one pinned for its host (known_hosts may have changed since). */
export async function isHostKeyStillPinned(target: Pick<SshTarget, 'host' | 'port' | 'knownHostsFile'>, hostKey: Buffer): Promise<boolean> {
  const knownHosts = parseKnownHosts(await readKnownHosts(target.knownHostsFile));
  return checkHostKey(knownHosts, target.host, target.port ?? 22, hostKey).kind === 'match';
}

function createSshTransport(client: Client, where: string): Transport {
  let sftpSession: Promise<SFTPWrapper> | null = null;
  const openSftp = (): Promise<SFTPWrapper> => {
    sftpSession ??= new Promise((resolve, reject) => {
      client.sftp((error, sftp) => (error ? reject(sshFailed(`unable to start sftp on ${where}`, error)) : resolve(sftp)));
    });
    return sftpSession;
  };

  const execStream = (command: string, opts: { signal?: AbortSignal } = {}): Promise<ExecStream> =>
    openExecStream(client, where, command, opts, (channel) => holdByPausing(channel));

  const exec = (command: string, opts: ExecOptions = {}): Promise<ExecResult> => execCollecting(execStream, command, opts);

  const stat = async (file: string): Promise<FileStat | null> => {
    const sftp = await openSftp();
    return new Promise((resolve, reject) => {
      sftp.stat(file, (error, stats) => {
        if (!error) resolve(toFileStat(stats));
        else if ((error as { code?: unknown }).code === sftpNoSuchFile) resolve(null);
        else reject(ioFailed(`unable to stat '${file}' on ${where}`, error));
      });
    });
  };

  const list = async (dir: string): Promise<DirEntry[]> => {
    const sftp = await openSftp();
    return new Promise((resolve, reject) => {
      sftp.readdir(dir, (error, entries) => {
        if (error) return reject(ioFailed(`unable to list folder '${dir}' on ${where}`, error));
        const listed = entries
          .filter((entry) => entry.filename !== '.' && entry.filename !== '..')
          .map((entry) => ({ name: entry.filename, ...toFileStat(entry.attrs) }));
        resolve(listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
      });
    });
  };

  const readStream = async (file: string, opts: { start?: number } = {}): Promise<Readable> => {
    const sftp = await openSftp();
    return waitUntilOpen(sftp.createReadStream(file, { start: opts.start ?? 0 }), `unable to open '${file}' on ${where}`);
  };

  const writeStream = async (file: string, mode = 0o600): Promise<Writable> => {
    const sftp = await openSftp();
    const stream = await waitUntilOpen(sftp.createWriteStream(file, { flags: 'w', mode }), `unable to create '${file}' on ${where}`);
    return wrapUntilClosed(stream);
  };

  const close = async (): Promise<void> => {
    if (sftpSession) (await sftpSession.catch(() => null))?.end();
    await closeClient(client);
  };

  return { description: `ssh ${where}`, exec, execStream, stat, list, readStream, writeStream, close };
}

/**
 * Runs `command` on its own channel. `holdFor` makes the stream's hold() (pausing the channel,
 * or on copy connections the whole connection); it runs as soon as the channel opened.
 */
export async function openExecStream(client: Client, where: string, command: string, opts: { signal?: AbortSignal },
  holdFor: (channel: ClientChannel) => () => () => void): Promise<ExecStream & { channel: ClientChannel }> {
  if (opts.signal?.aborted) throw cancelled(where);
  // ssh2 may parse the command's output, exit status and close in the same read that calls back
  // here: the exit listener must be attached inside the callback, not after an await.
  let exit: { code: number; signal: string | null } = { code: -1, signal: null };
  let closed!: Promise<void>;
  let hold!: () => () => void;
  const channel = await new Promise<ClientChannel>((resolve, reject) => {
    client.exec(command, (error, opened) => {
      if (error) {
        // OpenSSH answers "open failed" when the connection holds MaxSessions sessions already.
        reject(sshFailed(`unable to run a command on ${where}`, error, /open failed/i.test(error.message) ? sessionRefusedHint : undefined));
        return;
      }
      opened.on('exit', (code: number | null, signal?: string) => {
        exit = { code: code ?? -1, signal: signal ?? null };
      });
      closed = new Promise<void>((resolveClosed) => opened.once('close', () => resolveClosed()));
      hold = holdFor(opened);
      resolve(opened);
    });
  });
  const done = new Promise<{ code: number; signal: string | null }>((resolve, reject) => {
    const abort = (): void => {
      signalChannel(channel, 'TERM');
      channel.close();
      // Do not wait for the server: a server that ignores the signal request
      // only closes the channel once the command ends by itself.
      reject(cancelled(where));
    };
    opts.signal?.addEventListener('abort', abort, { once: true });
    void closed.then(() => {
      opts.signal?.removeEventListener('abort', abort);
      resolve(exit);
    });
  });
  return { stdin: channel, stdout: channel, stderr: channel.stderr, done, hold, channel };
}

/** Ends the connection; waits for its close, at most 2 s. */
export function closeClient(client: Client): Promise<void> {
  return new Promise<void>((resolve) => {
    client.once('close', () => resolve());
    client.end();
    // A connection already gone emits no second 'close'.
    setTimeout(resolve, 2_000).unref();
  });
}

/**
 * Sends a signal request (sshd killpg()s the command's process group). ssh2's
 * channel.signal() sends nothing once our side of stdin is closed, which exec()
 * does at once, so this goes to the protocol object directly when it can.
 */
function signalChannel(channel: ClientChannel, name: string): void {
  const internals = channel as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
  };
  const protocol = internals._client?._protocol;
  const id = internals.outgoing?.id;
  const state = internals.outgoing?.state;
  if (typeof protocol?.signal === 'function' && typeof id === 'number' && (state === 'open' || state === 'eof')) {
    protocol.signal(id, name);
  } else {
    channel.signal(name);
  }
}

async function loadPrivateKey(target: SshTarget, where: string): Promise<Buffer | string> {
  let key = target.privateKey;
  if (key === undefined) {
    if (!target.privateKeyPath) {
      throw new EngineError('ssh-auth-failed', `no private key given for ${where}`, 'set the ssh private key file for this server');
    }
    try {
      key = await readFile(target.privateKeyPath);
    } catch (error) {
      throw ioFailed(`unable to read ssh private key '${target.privateKeyPath}'`, error);
    }
  }
  const parsed = ssh2.utils.parseKey(key, target.passphrase);
  if (parsed instanceof Error) {
    throw new EngineError(
      'ssh-auth-failed',
      `unable to load ssh private key for ${where}: ${parsed.message.toLowerCase()}`,
      'check the key file and its passphrase',
    );
  }
  // ssh2 parses the key again itself (with the passphrase); this only validated it.
  return key;
}

async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw ioFailed(`unable to read known_hosts file '${file}'`, error);
  }
}

function orderHostKeyAlgorithms(knownKeyTypes: string[]): ServerHostKeyAlgorithm[] {
  const wanted = knownKeyTypes.flatMap((type) =>
    type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type],
  );
  const first = defaultHostKeyAlgorithms.filter((algorithm) => wanted.includes(algorithm));
  const rest = defaultHostKeyAlgorithms.filter((algorithm) => !wanted.includes(algorithm));
  return [...first, ...rest];
}

function translateConnectError(
  error: Error & { level?: string; code?: unknown },
  verdict: { result: HostKeyVerdict; keyBlob: Buffer } | null,
  target: SshTarget,
  port: number,
  where: string,
): EngineError {
  if (verdict && verdict.result.kind !== 'match') {
    const fingerprint = fingerprintSha256(verdict.keyBlob);
    if (verdict.result.kind === 'unknown') {
      return new EngineError(
        'ssh-host-key-unknown',
        `ssh host key of ${target.host}:${port} is not known: the server presented ${fingerprint}`,
        `compare this fingerprint with \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\` run on the server, then add this line to '${target.knownHostsFile}': ${formatKnownHostsLine(target.host, port, verdict.keyBlob)}`,
        { cause: error },
      );
    }
    const { revoked, lineNumbers } = verdict.result;
    return new EngineError(
      'ssh-host-key-mismatch',
      `ssh host key of ${target.host}:${port} does not match the pinned key${revoked ? ' (it is revoked)' : ''}: the server presented ${fingerprint}; someone may be intercepting the connection (man-in-the-middle), or the host key was changed`,
      `do not connect until you have confirmed the new key with the server's administrator; if the change is legitimate, replace line ${lineNumbers.join(', ')} of '${target.knownHostsFile}'`,
      { cause: error },
    );
  }
  if (error.level === 'client-authentication') {
    return new EngineError(
      'ssh-auth-failed',
      `ssh authentication failed for ${where}`,
      `add the public key to ~${target.username}/.ssh/authorized_keys on ${target.host}, and check the user name`,
      { cause: error },
    );
  }
  if (error.level === 'client-timeout') {
    return sshFailed(`ssh connection to ${where} timed out`, error, `check that ${target.host}:${port} is reachable and runs sshd`);
  }
  return sshFailed(`unable to connect over ssh to ${where}`, error, `check that sshd runs on ${target.host}:${port}`);
}

function waitUntilOpen<T extends Readable | Writable>(stream: T, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void => reject(ioFailed(message, error));
    stream.once('error', fail);
    stream.once('ready', () => {
      stream.off('error', fail);
      resolve(stream);
    });
  });
}

function toFileStat(attrs: { size: number; mtime: number; mode: number }): FileStat {
  return { size: attrs.size, mtime: new Date(attrs.mtime * 1000), mode: attrs.mode & 0o7777, type: readFileType(attrs.mode) };
}

function sshFailed(message: string, error: unknown, hint?: string): EngineError {
  const reason = error instanceof Error ? error.message : String(error);
  return new EngineError('ssh-failed', `${message}: ${reason}`, hint, { cause: error });
}

function ioFailed(message: string, error: unknown): EngineError {
  const reason = error instanceof Error ? error.message : String(error);
  return new EngineError('io-failed', `${message}: ${reason.toLowerCase()}`, 'check the path and its permissions', { cause: error });
}

function cancelled(where: string): EngineError {
  return new EngineError('cancelled', `ssh connection to ${where} was cancelled`);
}
