/**
 * Quoting for the remote login shell (POSIX sh) that runs our find and tar
 * commands over SSH. One function; the commands themselves live with their phase.
 */

/** Quotes one argument so the remote shell passes it through unchanged. */
export function quoteShellArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
