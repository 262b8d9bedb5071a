/**
 * "ssh" (backup_method = rsync): logs in as the backups do (ssh-login.ts:
 * ssh2 with ssh_command's host, port, user and key, the pinned known_hosts, a
 * stored key passphrase) and runs `true`, as Barman's check runs
 * `ssh_command true`. Nothing can stop to ask for a password or a host key:
 * an unknown or changed host key and a refused key fail the check at once, and
 * so does a login shell that prints something before every command.
 */
import { toErrorPayload } from '../../../shared/errors';
import { openSshLogin } from '../backup/rsync/ssh-login';
import { describeShellNoise, shellNoiseHint } from '../transport/shell-noise';
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
    try {
      const transport = await openSshLogin(command, { signal: ctx.signal, keyHint: `add -i KEY to ssh_command in ${ctx.server.file}` });
      try {
        const result = await transport.exec('true', { signal: ctx.signal });
        const stderr = result.stderr.toString('utf8').trim();
        if (result.code !== 0) {
          return failed(`\`true\` exited with code ${result.code} on the PostgreSQL server${stderr ? `: ${stderr.split('\n').at(-1)!.trim()}` : ''}`,
            'check the login shell of that user on the PostgreSQL server');
        }
        // `true` prints nothing: anything here comes from the login shell, and would corrupt every copy.
        if (result.stdout.length > 0) {
          return failed(`the login shell prints ${describeShellNoise(result.stdout)} before every command, which would corrupt the backups' copies`, shellNoiseHint);
        }
      } finally {
        await transport.close().catch(() => undefined);
      }
      return passed('PostgreSQL server');
    } catch (error) {
      const payload = toErrorPayload(error);
      return failed(payload.message, payload.hint ?? `fix ssh_command in ${ctx.server.file}`);
    }
  },
};
