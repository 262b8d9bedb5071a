// A TCP proxy on 127.0.0.1 that forwards to a real server and paces what the
// server sends back to a fixed rate, so a backup of a small test cluster takes
// long enough for a browser test to watch its progress. Nothing is changed in
// the bytes; stop() closes the listener and every connection.
import net from 'node:net';

export interface ThrottledProxy {
  port: number;
  stop(): Promise<void>;
}

/** Forwards 127.0.0.1:<free port> to 127.0.0.1:targetPort; server-to-client bytes at most bytesPerSecond. */
export async function startThrottledProxy(targetPort: number, bytesPerSecond: number): Promise<ThrottledProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    track(client);
    track(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.pipe(upstream);
    // Pacing: after each chunk, pause the upstream for as long as that chunk takes at the rate.
    upstream.on('data', (chunk: Buffer) => {
      upstream.pause();
      client.write(chunk);
      setTimeout(() => {
        if (!upstream.destroyed) upstream.resume();
      }, (chunk.length / bytesPerSecond) * 1000);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
