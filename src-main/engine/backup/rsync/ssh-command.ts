/**
 * Reads Barman's `ssh_command` (an OpenSSH command line such as
 * `ssh -p 2222 -i KEY -o UserKnownHostsFile=FILE postgres@pghost`) into the
 * target the ssh2 transport connects to. Pure apart from looking for default
 * key files; never runs ssh and never relaxes host key checking.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../../../shared/errors';

export interface SshCommandTarget {
  host: string;
  port: number;
  username: string;
  /** null when the command names no key: the caller picks a default (findDefaultKey). */
  privateKeyPath: string | null;
  knownHostsFile: string;
  /** `-C` or `-o Compression=yes`: the user asked for compression on the wire. */
  compression: boolean;
}

export interface ParseSshCommandOptions {
  userHome?: string;
  /** Used when neither -l nor user@host names one (OpenSSH uses the local user). */
  localUser?: string;
}

// OpenSSH flags that take a value; the ones not listed in valueHandlers are
// harmless to ignore (e.g. -c cipher: ssh2 negotiates its own fast one).
const flagsWithValue = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));
// Flags that would change where or how we connect in a way ssh2 cannot follow.
const refusedFlags: Record<string, string> = {
  J: 'jump hosts (-J)',
  W: 'stdio forwarding (-W)',
  F: 'a separate ssh config file (-F)',
};
const refusedOptions: Record<string, string> = {
  proxycommand: 'ProxyCommand',
  proxyjump: 'ProxyJump',
};
const hint = 'write ssh_command as `ssh [-p PORT] [-i KEY] [-o UserKnownHostsFile=FILE] user@host`';

/** Parses an ssh_command; throws config-invalid for what cannot be honoured. */
export function parseSshCommand(command: string, opts: ParseSshCommandOptions = {}): SshCommandTarget {
  const userHome = opts.userHome ?? os.homedir();
  const words = splitShellWords(command);
  const program = words.shift();
  if (!program || path.basename(program) !== 'ssh') {
    throw new EngineError('config-invalid', `ssh_command '${command}' does not start with ssh`, hint);
  }
  let destination: string | null = null;
  let flagPort: number | null = null;
  let flagUser: string | null = null;
  const identityFiles: string[] = [];
  // -o values: the first one obtained wins, as in OpenSSH.
  const options = new Map<string, string>();
  let compression = false;

  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    // OpenSSH reads options after the destination too; the first other word starts the remote command, which we do not use.
    if (destination !== null && (!word.startsWith('-') || word === '--')) break;
    if (!word.startsWith('-') || word === '-') {
      destination = word;
      continue;
    }
    // Bundled flags (-4Cq, -p2222): walk the letters until one takes a value.
    for (let j = 1; j < word.length; j++) {
      const flag = word[j]!;
      if (!flagsWithValue.has(flag)) {
        if (flag === 'C') compression = true;
        continue;
      }
      let value = word.slice(j + 1);
      if (value === '') {
        const next = words[++i];
        if (next === undefined) throw new EngineError('config-invalid', `ssh_command '${command}': option -${flag} needs a value`, hint);
        value = next;
      }
      const refused = refusedFlags[flag];
      if (refused) throw new EngineError('config-invalid', `ssh_command '${command}' uses ${refused}, which barkeep does not support`, hint);
      if (flag === 'p') flagPort = parsePort(value, command);
      if (flag === 'l') flagUser = value;
      if (flag === 'i') identityFiles.push(expandHome(value, userHome));
      if (flag === 'o') readOption(value, options, command);
      break;
    }
  }
  if (!destination) throw new EngineError('config-invalid', `ssh_command '${command}' names no host`, hint);

  const strict = options.get('stricthostkeychecking')?.toLowerCase();
  if (strict === 'no' || strict === 'off' || strict === 'false') {
    throw new EngineError(
      'config-invalid',
      `ssh_command '${command}' turns off host key checking (StrictHostKeyChecking=${options.get('stricthostkeychecking')})`,
      'remove the StrictHostKeyChecking option: barkeep always checks the host key against known_hosts, so pin the key there (ssh-keyscan, then compare the fingerprint)',
    );
  }
  for (const [name, label] of Object.entries(refusedOptions)) {
    if (options.has(name)) throw new EngineError('config-invalid', `ssh_command '${command}' uses ${label}, which barkeep does not support`, hint);
  }
  if (options.get('compression')?.toLowerCase() === 'yes') compression = true;
  identityFiles.push(...(options.has('identityfile') ? [expandHome(options.get('identityfile')!, userHome)] : []));

  const parsed = parseDestination(destination, command);
  const knownHosts = options.get('userknownhostsfile')?.split(/\s+/)[0];
  return {
    host: options.get('hostname') ?? parsed.host,
    port: flagPort ?? parsed.port ?? (options.has('port') ? parsePort(options.get('port')!, command) : 22),
    username: flagUser ?? parsed.user ?? options.get('user') ?? opts.localUser ?? os.userInfo().username,
    privateKeyPath: identityFiles[0] ?? null,
    knownHostsFile: knownHosts ? expandHome(knownHosts, userHome) : path.join(userHome, '.ssh', 'known_hosts'),
    compression,
  };
}

/** OpenSSH's default identities, in its order; null when none exists. */
export function findDefaultKey(userHome: string = os.homedir(), exists: (file: string) => boolean = existsSync): string | null {
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const file = path.join(userHome, '.ssh', name);
    if (exists(file)) return file;
  }
  return null;
}

/** Splits like a POSIX shell: whitespace, single and double quotes, backslash escapes; no expansion. */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new EngineError('config-invalid', `ssh_command '${text}' has an unclosed ${quote === "'" ? 'single' : 'double'} quote`, hint);
  if (inWord) words.push(word);
  return words;
}

function readOption(text: string, options: Map<string, string>, command: string): void {
  const match = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(text);
  if (!match) throw new EngineError('config-invalid', `ssh_command '${command}': '-o ${text}' is not a Key=Value option`, hint);
  const name = match[1]!.toLowerCase();
  if (!options.has(name)) options.set(name, match[2]!.replace(/^"(.*)"$/, '$1'));
}

/** user@host, host, [v6]:port-less brackets, or ssh://user@host:port. */
function parseDestination(text: string, command: string): { host: string; user: string | null; port: number | null } {
  if (text.startsWith('ssh://')) {
    const url = new URL(text);
    return {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      user: url.username ? decodeURIComponent(url.username) : null,
      port: url.port ? parsePort(url.port, command) : null,
    };
  }
  const at = text.lastIndexOf('@');
  const user = at === -1 ? null : text.slice(0, at);
  const host = (at === -1 ? text : text.slice(at + 1)).replace(/^\[(.*)\]$/, '$1');
  if (!host || user === '') throw new EngineError('config-invalid', `ssh_command '${command}': '${text}' is not user@host`, hint);
  return { host, user, port: null };
}

function parsePort(text: string, command: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new EngineError('config-invalid', `ssh_command '${command}': '${text}' is not a port number`, hint);
  }
  return port;
}

function expandHome(file: string, userHome: string): string {
  if (file === '~') return userHome;
  if (file.startsWith('~/')) return path.join(userHome, file.slice(2));
  return file;
}
