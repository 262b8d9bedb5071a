/**
 * The outcome of "Probe" for one server, shown in its row: reachable and the
 * version PostgreSQL reported, or the error that stopped the probe.
 */
import type { ProbeState } from '../../store/servers-slice';

export function ProbeResult({ probe, testId }: { probe: ProbeState | undefined; testId: string }) {
  if (probe === undefined) return null;
  if (probe.status === 'running') {
    return (
      <span className="probe-result probe-running" role="status" data-testid={testId}>
        probing…
      </span>
    );
  }
  if (probe.status === 'failed') {
    return (
      <span className="probe-result probe-bad" role="status" data-testid={testId} data-reachable="false">
        <span className="probe-verdict">✕ {probe.problem.message}</span>
        {probe.problem.hint !== undefined && <span className="hint">{probe.problem.hint}</span>}
      </span>
    );
  }
  const { reachable, pgVersion, error } = probe.probe;
  return (
    <span
      className={`probe-result ${reachable ? 'probe-good' : 'probe-bad'}`}
      role="status"
      data-testid={testId}
      data-reachable={String(reachable)}
    >
      {reachable ? (
        <span className="probe-verdict">✓ reachable{pgVersion !== null && <>, PostgreSQL {pgVersion}</>}</span>
      ) : (
        <span className="probe-verdict">✕ unreachable{error !== null && <>: {error}</>}</span>
      )}
    </span>
  );
}
