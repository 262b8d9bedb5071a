/** Barkeep's version, read once from package.json beside the sources (or the bundle). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { installRoot } from './install-root';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(installRoot, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export const barkeepVersion = readVersion();
