/**
 * "ssh" (backup_method = rsync): runs ssh_command with `true` appended, as
 * Barman does, through /bin/sh in a new session: with no controlling terminal
 * ssh cannot stop to ask for a password or a host key, so it fails instead of
 * hanging. ssh_command is used as written (options, wrappers and all).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { failed, passed, type CheckDefinition } from './model';

export const sshCheck: CheckDefinition = {
  name: 'ssh',
  severity: 'critical',
  appliesTo: (server) => server.backupMethod === 'rsync',
  async run(ctx) {
    const command = ctx.server.sshCommand;
    if (command === null) {
      return failed('ssh_command is not set',
        `set ssh_command = ssh postgres@DBHOST in ${ctx.server.file}: rsync backups copy files over SSH`);
    }
    const result = await runRemoteTrue(command, ctx.signal);
    if (result.code === 0) return passed('PostgreSQL server');
    const reason = result.code === null ? 'was killed' : `exited with code ${result.code}`;
    return failed(`\`${command} true\` ${reason}${result.stderr ? `: ${result.stderr}` : ''}`,
      `make \`${command} true\` work from this machine as ${os.userInfo().username} without a prompt `
        + `(its key in the server's authorized_keys, the host key in known_hosts), or fix ssh_command in ${ctx.server.file}`);
  },
};

interface RunResult {
  code: number | null;
  /** the last line ssh wrote on stderr */
  stderr: string;
}

function runRemoteTrue(command: string, signal: AbortSignal): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', `${command} true`], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4096);
    });
    const kill = (): void => {
      if (child.pid === undefined) return;
      try {
        // The whole session: ssh and anything the command line started.
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    signal.addEventListener('abort', kill, { once: true });
    child.once('error', (error) => resolve({ code: null, stderr: error.message }));
    child.once('close', (code) => {
      signal.removeEventListener('abort', kill);
      const lines = stderr.trim().split('\n').map((line) => line.trim()).filter((line) => line !== '');
      resolve({ code, stderr: lines.at(-1) ?? '' });
    });
  });
}
