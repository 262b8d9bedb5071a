// The `--remote-ssh-command` that remote recovery tests give `barkeep restore`:
// OpenSSH's form of a login as postgres into the test sshd (sshd.ts) with its
// client key, the host key pinned by a known_hosts file (the sshd's own by default).
import type { TestSshd } from './sshd';

export function restoreSshCommand(sshd: TestSshd, knownHostsFile = sshd.knownHostsFile): string {
  return `ssh postgres@${sshd.host} -p ${sshd.port} -i ${sshd.privateKeyPath} -o UserKnownHostsFile=${knownHostsFile}`;
}
