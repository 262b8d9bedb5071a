// The serve host over real HTTP and WebSocket: the token guards every route,
// loopback Host names only, and the contract answers with envelopes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import WebSocket from 'ws';
import { createHandlers } from '../../src-main/engine/contract-handlers';
import { Engine } from '../../src-main/engine/engine';
import { startServeHost, type ServeHost } from '../../src-main/host/serve-host';

let home: string;
let engine: Engine;
let host: ServeHost;

before(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-serve-'));
  const rendererDir = path.join(home, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Barkeep</title><script type="module" src="./app.js"></script>');
  writeFileSync(path.join(rendererDir, 'app.js'), 'console.log("app")');
  engine = Engine.open({ configFile: path.join(home, 'barkeep.conf'), createHome: true });
  host = await startServeHost({
    handlers: createHandlers(engine, 'http', 'test'),
    subscribe: (listener) => engine.onEvent(listener),
    rendererDir,
  });
});

after(async () => {
  await host?.close();
  await engine?.close();
  rmSync(home, { recursive: true, force: true });
});

function request(pathname: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: pathname, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

test('it listens on loopback only and prints a URL with its token', () => {
  assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
});

test('requests without the token get 401, for the page, the assets and the API', async () => {
  for (const [pathname, method] of [['/', 'GET'], ['/app.js', 'GET'], ['/api/servers:list', 'POST']] as const) {
    const response = await request(pathname, { method });
    assert.equal(response.status, 401, `${method} ${pathname}`);
    assert.match(response.body, /token that `barkeep serve` printed/);
  }
  const wrong = await request('/api/servers:list', { method: 'POST', headers: { Authorization: 'Bearer not-the-token' }, body: '{}' });
  assert.equal(wrong.status, 401);
});

test('the page with the token sets an HttpOnly cookie that then serves its assets', async () => {
  const page = await request(`/?token=${host.token}`);
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>Barkeep<\/title>/);
  const setCookie = page.headers['set-cookie']?.[0] ?? '';
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  const asset = await request('/app.js', { headers: { Cookie: setCookie.split(';')[0]! } });
  assert.equal(asset.status, 200);
  assert.equal(asset.body, 'console.log("app")');
});

test('a foreign Host header is refused (DNS rebinding)', async () => {
  const response = await request(`/?token=${host.token}`, { headers: { Host: `evil.example:${host.port}` } });
  assert.equal(response.status, 421);
});

test('the API answers the contract with envelopes and validates input', async () => {
  const auth = { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' };
  const info = await request('/api/app:info', { method: 'POST', headers: auth, body: '{}' });
  assert.equal(info.status, 200);
  const envelope = JSON.parse(info.body);
  assert.equal(envelope.ok, true);
  assert.equal(envelope.value.home, home);
  assert.equal(envelope.value.transport, 'http');

  const servers = JSON.parse((await request('/api/servers:list', { method: 'POST', headers: auth, body: '{}' })).body);
  assert.deepEqual(servers, { ok: true, value: [] });

  const unknown = JSON.parse((await request('/api/servers:drop', { method: 'POST', headers: auth, body: '{}' })).body);
  assert.deepEqual(unknown, { ok: false, error: { code: 'invalid-input', message: "unknown channel 'servers:drop'" } });

  const badInput = JSON.parse((await request('/api/servers:probe', { method: 'POST', headers: auth, body: '{"server":"no such/server"}' })).body);
  assert.equal(badInput.ok, false);
  assert.equal(badInput.error.code, 'invalid-input');
  assert.match(badInput.error.message, /invalid input for 'servers:probe' at 'server'/);

  const unknownServer = JSON.parse((await request('/api/servers:probe', { method: 'POST', headers: auth, body: '{"server":"ghost"}' })).body);
  assert.equal(unknownServer.error.code, 'server-unknown');
  assert.match(unknownServer.error.message, /unknown server 'ghost'/);
});

test('the event socket refuses a missing token and delivers job events with it', async () => {
  const refused = await new Promise<number>((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/events`);
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('error', () => resolve(-1));
  });
  assert.equal(refused, 401);

  const socket = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`);
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  const received: unknown[] = [];
  socket.on('message', (data) => received.push(JSON.parse(String(data))));
  const job = engine.jobs.submit({ kind: 'check', server: null, title: 'socket test', run: async (ctx) => { ctx.log('hello'); } });
  await job.done;
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.close();
  const types = received.map((event) => (event as { kind: string; event?: { type: string } }).event?.type);
  assert.deepEqual(types, ['queued', 'started', 'log', 'succeeded']);
});
