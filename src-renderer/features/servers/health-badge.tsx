/**
 * A server's health as a badge: colour, a shape and the word, so it reads
 * without colour and in greyscale too.
 */
import type { Health } from '../../../shared/domain/server';

const healthWords: Record<Health, string> = {
  ok: 'OK',
  warning: 'WARNING',
  failed: 'FAILED',
  unknown: 'UNKNOWN',
};

export function HealthBadge({ health, testId }: { health: Health; testId?: string }) {
  return (
    <span className={`badge health health-${health}`} data-health={health} data-testid={testId}>
      <span className="health-mark" aria-hidden="true" />
      {healthWords[health]}
    </span>
  );
}
