// Runs the real `barkeep` command (bin/barkeep.js) as a child process with a
// clean environment, and returns its exit code, stdout and stderr.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runBarkeep(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BARKEEP_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin', 'barkeep.js'), ...args], { cwd: root, env: { ...cleanEnv, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
  });
}
