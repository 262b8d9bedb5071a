/**
 * The server editor's "Test connection", before anything is saved: a
 * PostgreSQL session with `select 1` (and the replication slot, when one is
 * named), a replication session with IDENTIFY_SYSTEM when WAL streams or
 * backups use BASE_BACKUP, and an SSH login checked against the pinned
 * known_hosts when SSH is set. Each step says what it reached or why not;
 * the typed password and passphrase are used, never echoed.
 */
import type pg from 'pg';
import type { ServerForm, TestStep } from '../../../shared/domain/server-editor';
import { EngineError, toErrorPayload } from '../../../shared/errors';
import { findDefaultKey } from '../backup/rsync/ssh-command';
import { sshTargetOfForm } from '../config/server-form';
import { connectPostgres } from '../postgres/connect';
import { parseConninfo } from '../postgres/conninfo';
import { identifySystem } from '../postgres/replication';
import { targetOf } from '../postgres/stored-passwords';
import { openSshTransport } from '../transport/ssh-transport';

export interface ConnectionTestInput {
  form: ServerForm;
  /** the typed or stored password; '' for none (a stored one is not looked up); undefined: connect's own lookup */
  password: string | undefined;
  sshKeyPassphrase: string | undefined;
  signal?: AbortSignal;
  /** default 10 s per connection */
  timeoutMs?: number;
}

const applicationName = 'barkeep connection test';

/** Runs every step that applies to the form (concurrently) and returns them in a fixed order. */
export async function testServerConnection(input: ConnectionTestInput): Promise<TestStep[]> {
  const { form } = input;
  const replicationWanted = form.streamingArchiver || form.backupMethod === 'postgres';
  const steps: Array<Promise<TestStep>> = [testPostgres(input)];
  if (replicationWanted) steps.push(testReplication(input));
  if (form.ssh.mode !== 'none' || form.backupMethod === 'rsync') steps.push(testSsh(input));
  return Promise.all(steps);
}

async function testPostgres(input: ConnectionTestInput): Promise<TestStep> {
  const conninfo = input.form.conninfo.trim();
  const target = describePostgres(conninfo, 'PostgreSQL');
  return runStep('postgres', target, async () => {
    const client = await connect(conninfo, input, false);
    try {
      const result = await client.query<{ one: number; version: string }>("select 1 as one, current_setting('server_version') as version");
      if (result.rows[0]?.one !== 1) throw new EngineError('postgres-failed', 'select 1 did not answer 1');
      // '15.18 (Debian 15.18-0+deb12u1)' reads as 15.18.
      const version = /^\d+(\.\d+)*/.exec(result.rows[0].version)?.[0] ?? result.rows[0].version;
      const notes = [`select 1 answered; PostgreSQL ${version}`];
      const slot = input.form.slotName.trim().toLowerCase();
      if (slot !== '' && input.form.streamingArchiver) {
        const found = await client.query('select 1 from pg_replication_slots where slot_name = $1', [slot]);
        if (found.rowCount === 0 && input.form.createSlot !== 'auto') {
          throw new EngineError('slot-failed', `replication slot '${slot}' does not exist on the server`,
            `set create_slot = auto, or create it: \`barkeep receive-wal ${input.form.name || 'SERVER'} --create-slot\` after saving`);
        }
        notes.push(found.rowCount === 0 ? `slot '${slot}' will be created (create_slot = auto)` : `slot '${slot}' exists`);
      }
      return notes.join('; ');
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

async function testReplication(input: ConnectionTestInput): Promise<TestStep> {
  const conninfo = (input.form.streamingConninfo.trim() || input.form.conninfo.trim());
  return runStep('replication', describePostgres(conninfo, 'PostgreSQL replication'), async () => {
    const client = await connect(conninfo, input, true);
    try {
      const identity = await identifySystem(client);
      return `IDENTIFY_SYSTEM answered: system ${identity.systemId}, timeline ${identity.timeline}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

async function testSsh(input: ConnectionTestInput): Promise<TestStep> {
  if (input.form.ssh.mode === 'none') {
    return {
      step: 'ssh', target: 'SSH', ok: false, detail: 'backup method rsync copies files over SSH, and no SSH connection is set',
      hint: 'set SSH to the database host, or choose backup method postgres',
    };
  }
  let label = 'SSH';
  return runStep('ssh', () => label, async () => {
    const target = sshTargetOfForm(input.form.ssh);
    if (target === null) throw new EngineError('config-invalid', 'no SSH connection is set');
    label = `SSH ${target.username}@${target.host}:${target.port}`;
    const privateKeyPath = target.privateKeyPath ?? findDefaultKey();
    if (privateKeyPath === null) {
      throw new EngineError('ssh-auth-failed', `no ssh private key for ${target.username}@${target.host}`,
        'give the key file, or create ~/.ssh/id_ed25519 and authorize it on the database host');
    }
    const transport = await openSshTransport({
      host: target.host, port: target.port, username: target.username, privateKeyPath, knownHostsFile: target.knownHostsFile,
      ...(input.sshKeyPassphrase ? { passphrase: input.sshKeyPassphrase } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
      readyTimeoutMs: input.timeoutMs ?? 10_000,
    });
    try {
      const result = await transport.exec('true', input.signal ? { signal: input.signal } : {});
      if (result.code !== 0) {
        throw new EngineError('ssh-failed', `\`true\` exited with code ${result.code} on ${target.host}`, 'check the login shell of that user on the database host');
      }
      return `logged in with ${privateKeyPath}; the host key matches ${target.knownHostsFile}`;
    } finally {
      await transport.close().catch(() => undefined);
    }
  });
}

function connect(conninfo: string, input: ConnectionTestInput, replication: boolean): Promise<pg.Client> {
  return connectPostgres(conninfo, {
    replication,
    applicationName,
    timeoutMs: input.timeoutMs ?? 10_000,
    ...(input.password === undefined ? {} : { password: input.password }),
    ...(input.signal ? { signal: input.signal } : {}),
  });
}

/** "PostgreSQL at host:port as user"; the conninfo as far as it parses (validation ran before). */
function describePostgres(conninfo: string, what: string): string {
  try {
    const target = targetOf(parseConninfo(conninfo));
    return `${what} at ${target.host}:${target.port} as ${target.user}`;
  } catch {
    return what;
  }
}

async function runStep(step: TestStep['step'], target: string | (() => string), run: () => Promise<string>): Promise<TestStep> {
  const label = (): string => (typeof target === 'string' ? target : target());
  try {
    const detail = await run();
    return { step, target: label(), ok: true, detail, hint: null };
  } catch (error) {
    const payload = toErrorPayload(error);
    return { step, target: label(), ok: false, detail: payload.message, hint: payload.hint ?? null };
  }
}
