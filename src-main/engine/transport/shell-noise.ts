/**
 * A login shell that prints something before every command (a greeting in
 * ~/.bashrc, a `fortune`) corrupts whatever the command sends: a file listing,
 * a tar stream. rsync asks "is your shell clean?"; this names what the shell
 * printed and where to stop it. Detection is the caller's: an empty output
 * that is not, or a marker that comes late.
 */
import { EngineError } from '../../../shared/errors';

export const shellNoiseHint = 'make the startup files of that user\'s shell (~/.bashrc, ~/.profile, /etc/bash.bashrc) print nothing'
  + ' when not interactive, e.g. begin ~/.bashrc with: [ -z "$PS1" ] && return';

/** What the shell printed, as a short quoted excerpt. */
export function describeShellNoise(noise: Buffer): string {
  const text = noise.toString('utf8').replace(/\s+/g, ' ').trim();
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export function shellNoiseError(where: string, noise: Buffer): EngineError {
  return new EngineError('ssh-failed', `the login shell on ${where} prints ${describeShellNoise(noise)} before every command, which would corrupt the copies`,
    shellNoiseHint);
}
