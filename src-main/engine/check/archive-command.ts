/**
 * Judges an archive_command the way a reviewer would: empty, disabled, or a
 * no-op that reports success without keeping the file ('/bin/true', 'exit 0',
 * 'cp %p /dev/null' …) is the handbook's way to lose WAL silently. Pure.
 */

export type ArchiveCommandVerdict =
  | { kind: 'ok' }
  | { kind: 'empty' }
  | { kind: 'disabled' }
  | { kind: 'no-op'; command: string }
  | { kind: 'no-file'; command: string };

/** Programs that succeed without keeping anything. */
const noOpPrograms = new Set([':', 'true', '/bin/true', '/usr/bin/true', 'echo', '/bin/echo', '/usr/bin/echo', 'printf', 'exit']);

export function judgeArchiveCommand(setting: string): ArchiveCommandVerdict {
  const command = setting.trim();
  if (command === '') return { kind: 'empty' };
  // PostgreSQL shows this instead of the command while archive_mode is off.
  if (command === '(disabled)') return { kind: 'disabled' };
  const normalised = command.replace(/;+\s*$/, '').replace(/\s+/g, ' ').trim();
  const steps = normalised.split(/\s*(?:&&|;)\s*/).filter((step) => step !== '');
  if (steps.length > 0 && steps.every(isNoOpStep)) return { kind: 'no-op', command };
  if (/\/dev\/null\/?(%f)?["']?$/.test(normalised)) return { kind: 'no-op', command };
  // Without %p or %f the command cannot know which file to keep.
  if (!command.includes('%p') && !command.includes('%f')) return { kind: 'no-file', command };
  return { kind: 'ok' };
}

function isNoOpStep(step: string): boolean {
  const [program = '', ...args] = step.split(' ');
  if (program === 'exit') return args.length === 0 || args[0] === '0';
  return noOpPrograms.has(program);
}
