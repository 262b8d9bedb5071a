/**
 * `barkeep serve`: the typed contract over HTTP + WebSocket, on loopback only,
 * guarded by a random token. It serves the built renderer and is the second
 * transport of the same contract as Electron IPC, not a second API.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatch, type Handlers } from '../engine/contract-handlers';
import type { PushEvent } from '../../shared/ipc/events';

export interface ServeOptions {
  handlers: Handlers;
  /** subscribe to the engine's pushed events; returns an unsubscribe */
  subscribe: (listener: (event: PushEvent) => void) => () => void;
  rendererDir: string;
  port?: number;
  /** for tests; a fresh random token otherwise */
  token?: string;
}

export interface ServeHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const cookieName = 'barkeep_token';
const maxBodyBytes = 1024 * 1024;
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

export async function startServeHost(options: ServeOptions): Promise<ServeHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const expected = Buffer.from(token);
  const tokenMatches = (candidate: string | null | undefined): boolean => {
    if (!candidate) return false;
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  let port = 0;

  const server = http.createServer((request, response) => {
    void handleRequest(request, response).catch((error: unknown) => {
      console.error('barkeep serve: request failed:', error);
      if (!response.headersSent) send(response, 500, 'text/plain', 'internal error');
    });
  });

  async function handleRequest(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (!hostAllowed(request.headers.host, port)) return send(response, 421, 'text/plain', 'unexpected Host header');
    const presented = bearer(request.headers.authorization) ?? url.searchParams.get('token') ?? cookie(request.headers.cookie, cookieName);
    if (!tokenMatches(presented)) {
      return send(response, 401, 'text/plain', 'unauthorized: open the URL with the token that `barkeep serve` printed\n');
    }
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cache-Control', 'no-store');
    if (url.pathname.startsWith('/api/')) {
      if (request.method !== 'POST') return send(response, 405, 'text/plain', 'use POST');
      const channel = decodeURIComponent(url.pathname.slice('/api/'.length));
      const body = await readBody(request);
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        return send(response, 400, 'application/json', JSON.stringify({ ok: false, error: { code: 'invalid-input', message: 'the request body is not JSON' } }));
      }
      const envelope = await dispatch(options.handlers, channel, input);
      return send(response, 200, 'application/json', JSON.stringify(envelope));
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'method not allowed');
    serveStatic(url.pathname, response, url.searchParams.has('token'));
  }

  function serveStatic(pathname: string, response: http.ServerResponse, setCookie: boolean): void {
    const relative = pathname === '/' ? 'index.html' : path.normalize(pathname).replace(/^[/\\]+/, '');
    const file = path.join(options.rendererDir, relative);
    if (!file.startsWith(options.rendererDir + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (!existsSync(path.join(options.rendererDir, 'index.html'))) {
        return send(response, 503, 'text/plain', `the renderer is not built (${options.rendererDir}): run \`npm run build\`\n`);
      }
      return send(response, 404, 'text/plain', 'not found');
    }
    // The page loads its assets without the token in their URLs: a strict,
    // HttpOnly, same-site cookie carries it for them.
    if (setCookie) response.setHeader('Set-Cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    response.writeHead(200, { 'Content-Type': contentTypes[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  }

  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const presented = url.searchParams.get('token') ?? cookie(request.headers.cookie, cookieName);
    if (url.pathname !== '/events' || !hostAllowed(request.headers.host, port) || !tokenMatches(presented)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      const unsubscribe = options.subscribe((event) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
      });
      ws.on('close', unsubscribe);
      ws.on('error', unsubscribe);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Only loopback names: a page on another origin cannot reach us by DNS rebinding. */
function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

function cookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'Content-Type': type });
  response.end(body);
}
