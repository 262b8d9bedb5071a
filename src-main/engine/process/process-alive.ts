/**
 * Whether a process id on this machine is alive: the one test behind every
 * lock file (archiver, backup) and postmaster.pid check. Signal 0 probes
 * without touching the process.
 */

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (e.g. postgres), so it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
