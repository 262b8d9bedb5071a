/**
 * An SSH connection for bulk copies (the rsync method's tar streams, and its
 * commands): the login of ssh-transport.ts, with reads landing in a kept ring
 * (ring-read-socket.ts) instead of a fresh buffer per read. It runs commands,
 * streamed or to completion (exec copies their output), and asks two things of
 * the consumers of streamed output: copy what you keep during each 'data'
 * call, or hold it (holdReadView), and hold() the stream rather than pause it.
 * When a chunk is left buffered in a channel after a read all the same, the
 * ring is retired (its views stay valid) and reads go on in a new one.
 */
import type { ClientChannel } from 'ssh2';
import { execCollecting, holdByPausing } from './transport';
import type { Transport } from './transport';
import { createRingReadSocket } from './ring-read-socket';
import type { RingOptions } from './ring-read-socket';
import type { KeepableConnection } from './kept-connections';
import { closeClient, connectSshClient, openExecStream } from './ssh-transport';
import type { SshTarget } from './ssh-transport';

export interface CopyConnection extends Pick<Transport, 'description' | 'exec' | 'execStream' | 'close'>, KeepableConnection {
  /** the host key the login accepted: a kept connection serves again only while known_hosts still pins it */
  readonly hostKey: Buffer;
  /** Rings retired because a chunk stayed buffered; for tests and logs. */
  readonly ringsRetired: number;
  /** Key re-exchanges so far (OpenSSH asks for one every 1-4 GB); for tests and logs. */
  readonly rekeys: number;
}

export async function openSshCopyConnection(target: SshTarget, ring: RingOptions = {}): Promise<CopyConnection> {
  const reads = createRingReadSocket(ring);
  const { client, where, hostKey } = await connectSshClient(target, reads.socket);
  const channels = new Set<ClientChannel>();
  let closed = false;
  client.once('close', () => {
    closed = true;
  });
  let rekeys = 0;
  // The first handshake is over by now: each later one is a re-exchange.
  client.on('handshake', () => {
    rekeys += 1;
  });
  reads.afterRead = () => {
    for (const channel of channels) {
      if (channel.readableLength > 0 || channel.stderr.readableLength > 0) {
        reads.renew();
        return;
      }
    }
  };

  // hold(): the socket stops reading until every hold of every channel is released.
  const holdConnection = holdByPausing(reads.socket);
  const track = (channel: ClientChannel): (() => () => void) => {
    channels.add(channel);
    channel.once('close', () => channels.delete(channel));
    return holdConnection;
  };

  const execStream: Transport['execStream'] = (command, opts = {}) => openExecStream(client, where, command, opts, track);
  return {
    description: `ssh ${where}`,
    get ringsRetired() {
      return reads.renewals;
    },
    get rekeys() {
      return rekeys;
    },
    get closed() {
      return closed;
    },
    hostKey,
    setActive: (active) => {
      if (active) reads.socket.ref();
      else reads.socket.unref();
    },
    execStream,
    exec: (command, opts = {}) => execCollecting(execStream, command, opts),
    close: () => closeClient(client),
  };
}
