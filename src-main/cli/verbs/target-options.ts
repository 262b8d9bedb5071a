/**
 * The recovery target as `restore` and `drill` read it from their --target-*
 * options (the same names as Barman's recover), and the string-option reader both use.
 */
import { EngineError } from '../../../shared/errors';
import { parseRecoveryTarget, type RecoveryTarget } from '../../engine/recovery/target';
import type { VerbContext } from '../verb';

/** `defaultAction`: --target-action when not given (a drill promotes; a restore leaves it to PostgreSQL). */
export function readRecoveryTarget(ctx: VerbContext, defaultAction: string | undefined): RecoveryTarget {
  return parseRecoveryTarget({
    time: stringOption(ctx, 'target-time'), xid: stringOption(ctx, 'target-xid'), lsn: stringOption(ctx, 'target-lsn'),
    name: stringOption(ctx, 'target-name'), immediate: ctx.values['target-immediate'] === true,
    timeline: stringOption(ctx, 'target-tli'), action: stringOption(ctx, 'target-action') ?? defaultAction,
    exclusive: ctx.values['target-exclusive'] === true,
  });
}

/** A string option's value, or undefined when absent; a bare flag where a value belongs is a usage error. */
export function stringOption(ctx: VerbContext, name: string): string | undefined {
  const value = ctx.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new EngineError('usage', `--${name} needs a value`);
  return value;
}
