/**
 * Where a server's secrets (its PostgreSQL password, its SSH key passphrase)
 * live: never in conf.d/<server>.conf, but in <home>/secrets/<server>.json,
 * 0600 in a 0700 folder. The file store writes them as they are (the serve
 * host and the CLI); a sealer (Electron's safeStorage) can encrypt them first.
 * Owns reading and writing those files; never logs or returns a secret to a door.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ServerName } from '../../../shared/domain/names';
import type { StoredSecrets } from '../../../shared/domain/server-editor';
import { EngineError } from '../../../shared/errors';
import { fsyncFolder, writeFileAtomic } from '../store/atomic-file';

export interface ServerSecrets {
  password?: string;
  sshKeyPassphrase?: string;
}

export interface SecretStore {
  /** The server's secrets; {} when none is stored. Throws io-failed when the file cannot be trusted or opened. */
  read(server: ServerName): ServerSecrets;
  /** Which secrets are stored, without opening them. */
  holds(server: ServerName): StoredSecrets;
  /** Replaces the server's secrets; an empty set removes the file. */
  write(server: ServerName, secrets: ServerSecrets): void;
  /** Removes the server's secrets; false when there were none. */
  remove(server: ServerName): boolean;
}

/** Turns the secrets' JSON text into what is written, and back. */
export interface SecretSealer {
  /** written into the file, so a door knows whether it can open it */
  readonly sealing: string;
  seal(plain: string): string;
  open(sealed: string): string;
}

export const noSealing: SecretSealer = { sealing: 'none', seal: (plain) => plain, open: (sealed) => sealed };

const fileFormat = 1;
const secretKinds = ['password', 'sshKeyPassphrase'] as const;

interface SecretFile {
  format: number;
  sealing: string;
  /** which secrets the payload holds: names only */
  holds: string[];
  payload: string;
}

export function secretsFolder(home: string): string {
  return path.join(home, 'secrets');
}

export class FileSecretStore implements SecretStore {
  constructor(
    readonly folder: string,
    private readonly sealer: SecretSealer = noSealing,
  ) {}

  fileOf(server: ServerName): string {
    return path.join(this.folder, `${server}.json`);
  }

  read(server: ServerName): ServerSecrets {
    const file = this.fileOf(server);
    const stored = this.readFile(file);
    if (stored === null) return {};
    if (stored.sealing !== 'none' && stored.sealing !== this.sealer.sealing) {
      throw new EngineError('io-failed', `the secrets of server '${server}' in '${file}' are sealed with ${stored.sealing}, which this process cannot open`,
        'type the password again in the server editor of this Barkeep (the desktop app keeps its secrets encrypted for itself)');
    }
    let plain: string;
    try {
      plain = stored.sealing === 'none' ? stored.payload : this.sealer.open(stored.payload);
    } catch (error) {
      throw new EngineError('io-failed', `unable to open the secrets of server '${server}' in '${file}'`,
        'type the password again in the server editor', { cause: error });
    }
    return pickSecrets(parseJson(plain, file));
  }

  holds(server: ServerName): StoredSecrets {
    const stored = this.readFile(this.fileOf(server));
    return { password: stored?.holds.includes('password') ?? false, sshKeyPassphrase: stored?.holds.includes('sshKeyPassphrase') ?? false };
  }

  write(server: ServerName, secrets: ServerSecrets): void {
    const kept = pickSecrets(secrets);
    const file = this.fileOf(server);
    if (Object.keys(kept).length === 0) {
      this.remove(server);
      return;
    }
    const content: SecretFile = {
      format: fileFormat,
      sealing: this.sealer.sealing,
      holds: Object.keys(kept),
      payload: this.sealer.seal(JSON.stringify(kept)),
    };
    try {
      this.ensureFolder();
      writeFileAtomic(file, `${JSON.stringify(content, null, 2)}\n`, 0o600);
      // A stale temporary file would have lent the new one its mode: make sure.
      chmodSync(file, 0o600);
    } catch (error) {
      throw new EngineError('io-failed', `unable to write the secrets of server '${server}' to '${file}': ${(error as Error).message}`,
        `check the permissions of '${this.folder}'`, { cause: error });
    }
  }

  remove(server: ServerName): boolean {
    const file = this.fileOf(server);
    if (!existsSync(file)) return false;
    try {
      rmSync(file);
      fsyncFolder(this.folder);
    } catch (error) {
      throw new EngineError('io-failed', `unable to remove the secrets file '${file}': ${(error as Error).message}`,
        `check the permissions of '${this.folder}'`, { cause: error });
    }
    return true;
  }

  private ensureFolder(): void {
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    // mkdir leaves an existing folder as it was: secrets want it closed to everyone else.
    if ((statSync(this.folder).mode & 0o777) !== 0o700) chmodSync(this.folder, 0o700);
  }

  private readFile(file: string): SecretFile | null {
    let text: string;
    try {
      const mode = statSync(file).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        // As libpq does with a pgpass file others can read: refuse rather than use a secret that may have leaked.
        throw new EngineError('io-failed', `secrets file '${file}' can be read by other users (mode ${mode.toString(8).padStart(4, '0')})`,
          `run \`chmod 600 '${file}'\`, and consider changing the password: others may have read it`);
      }
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if (error instanceof EngineError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new EngineError('io-failed', `unable to read secrets file '${file}': ${(error as Error).message}`,
        'check that the file is readable by this user', { cause: error });
    }
    const parsed = parseJson(text, file) as Partial<SecretFile> | null;
    if (parsed === null || typeof parsed !== 'object' || parsed.format !== fileFormat || typeof parsed.sealing !== 'string'
      || typeof parsed.payload !== 'string' || !Array.isArray(parsed.holds)) {
      throw new EngineError('io-failed', `secrets file '${file}' is not in a format this barkeep reads`,
        'remove the file and type the secrets again in the server editor');
    }
    return parsed as SecretFile;
  }
}

/** Only known, non-empty secrets; anything else in a file or an input is dropped. */
function pickSecrets(value: unknown): ServerSecrets {
  const picked: ServerSecrets = {};
  if (value === null || typeof value !== 'object') return picked;
  for (const kind of secretKinds) {
    const secret = (value as Record<string, unknown>)[kind];
    if (typeof secret === 'string' && secret !== '') picked[kind] = secret;
  }
  return picked;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The text is not echoed: it may hold a secret.
    throw new EngineError('io-failed', `secrets file '${file}' is not valid JSON`, 'remove the file and type the secrets again in the server editor');
  }
}
