/**
 * What a point-in-time restore aims at: the RecoveryTarget union (latest, time,
 * xid, lsn, name, immediate) with its timeline, end action and inclusiveness,
 * parsed and checked from user input. Pure: no I/O; plan.ts places the target
 * in the archive and recovery-settings.ts turns it into postgresql.auto.conf.
 */
import { EngineError } from '../../../shared/errors';
import { formatLsn, parseLsn } from '../wal/lsn';

export type TargetTimeline = 'current' | 'latest' | number;
export type TargetAction = 'pause' | 'promote' | 'shutdown';

export type RecoveryTargetPoint =
  | { kind: 'latest' }
  /** `text` is what PostgreSQL receives (always with a zone); `epochMs` is for planning */
  | { kind: 'time'; text: string; epochMs: number }
  | { kind: 'xid'; xid: string }
  | { kind: 'lsn'; lsn: bigint }
  | { kind: 'name'; name: string }
  | { kind: 'immediate' };

export type RecoveryTarget = RecoveryTargetPoint & {
  timeline: TargetTimeline;
  action: TargetAction;
  /** stop just before the target (recovery_target_inclusive = false); time, xid and lsn only */
  exclusive: boolean;
};

export interface RecoveryTargetInput {
  time?: string | undefined;
  xid?: string | undefined;
  lsn?: string | undefined;
  name?: string | undefined;
  immediate?: boolean | undefined;
  timeline?: string | undefined;
  action?: string | undefined;
  exclusive?: boolean | undefined;
}

const timePattern = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Builds the target from the command line's --target-* options; at most one kind may be given. */
export function parseRecoveryTarget(input: RecoveryTargetInput, now: () => Date = () => new Date()): RecoveryTarget {
  const given = [
    input.time !== undefined && 'time', input.xid !== undefined && 'xid', input.lsn !== undefined && 'lsn',
    input.name !== undefined && 'name', input.immediate === true && 'immediate',
  ].filter((kind): kind is string => kind !== false);
  if (given.length > 1) {
    throw new EngineError('usage', `only one recovery target may be given, got ${given.map((kind) => `--target-${kind}`).join(' and ')}`,
      'choose one of --target-time, --target-xid, --target-lsn, --target-name, --target-immediate');
  }
  const point = parseTargetPoint(input, now);
  const exclusive = input.exclusive === true;
  if (exclusive && (point.kind === 'latest' || point.kind === 'name' || point.kind === 'immediate')) {
    throw new EngineError('usage', `--target-exclusive does not apply to a ${point.kind} target`, 'use it with --target-time, --target-xid or --target-lsn');
  }
  return { ...point, timeline: parseTargetTimeline(input.timeline), action: parseTargetAction(input.action), exclusive };
}

/** 'current', 'latest' (the default, as in PostgreSQL 12+) or a timeline number. */
export function parseTargetTimeline(text: string | undefined): TargetTimeline {
  if (text === undefined || text === 'latest') return 'latest';
  if (text === 'current') return 'current';
  if (/^[1-9]\d{0,9}$/.test(text)) return Number(text);
  throw new EngineError('usage', `invalid --target-tli '${text}'`, 'use current, latest or a timeline number such as 2');
}

/** pause (PostgreSQL's default), promote or shutdown. */
export function parseTargetAction(text: string | undefined): TargetAction {
  if (text === undefined) return 'pause';
  if (text === 'pause' || text === 'promote' || text === 'shutdown') return text;
  throw new EngineError('usage', `invalid --target-action '${text}'`, 'use pause, promote or shutdown');
}

/**
 * A timestamp as PostgreSQL prints or accepts it ('2026-11-24 04:30:00.123456+00',
 * '2026-11-24T04:30:00Z'). Without a zone it is this machine's local time, and the
 * zone is added so that PostgreSQL and the planner read the same instant.
 */
export function parseTargetTime(text: string): { text: string; epochMs: number } {
  const match = timePattern.exec(text.trim());
  if (!match) {
    throw new EngineError('usage', `'${text}' is not a timestamp`, "write it as PostgreSQL prints it, e.g. '2026-11-24 04:30:00+00' or 2026-11-24T04:30:00Z");
  }
  const [, date, clock, zone] = match as unknown as [string, string, string, string | undefined];
  const withSeconds = clock.length === 5 ? `${clock}:00` : clock;
  const [whole, fraction = ''] = withSeconds.split('.');
  const millis = fraction === '' ? '' : `.${fraction.padEnd(3, '0').slice(0, 3)}`;
  const isoZone = zone === undefined ? '' : normaliseZone(zone);
  const epochMs = Date.parse(`${date}T${whole}${millis}${isoZone}`);
  if (Number.isNaN(epochMs)) throw new EngineError('usage', `'${text}' is not a valid timestamp`, 'check the date and the time of day');
  const pgText = `${date} ${withSeconds}${zone === undefined ? formatLocalOffset(new Date(epochMs)) : isoZone}`;
  return { text: pgText, epochMs };
}

function parseTargetPoint(input: RecoveryTargetInput, now: () => Date): RecoveryTargetPoint {
  if (input.time !== undefined) {
    const time = parseTargetTime(input.time);
    if (time.epochMs > now().getTime() + 60_000) {
      throw new EngineError('usage', `--target-time '${input.time}' is in the future`, 'give a time that has passed, or omit the target to restore to the latest archived WAL');
    }
    return { kind: 'time', ...time };
  }
  if (input.xid !== undefined) {
    if (!/^[1-9]\d{0,19}$/.test(input.xid)) throw new EngineError('usage', `invalid --target-xid '${input.xid}'`, 'give a transaction id such as 7421 (txid_current() prints it)');
    return { kind: 'xid', xid: input.xid };
  }
  if (input.lsn !== undefined) return { kind: 'lsn', lsn: parseLsnOption(input.lsn) };
  if (input.name !== undefined) {
    if (input.name === '' || input.name.length > 63 || /[\n\r]/.test(input.name)) {
      throw new EngineError('usage', `invalid --target-name '${input.name}'`, 'give the name passed to pg_create_restore_point() (at most 63 characters)');
    }
    return { kind: 'name', name: input.name };
  }
  if (input.immediate === true) return { kind: 'immediate' };
  return { kind: 'latest' };
}

function parseLsnOption(text: string): bigint {
  try {
    return parseLsn(text);
  } catch (error) {
    if (error instanceof EngineError) throw new EngineError('usage', `invalid --target-lsn '${text}'`, error.hint);
    throw error;
  }
}

function normaliseZone(zone: string): string {
  if (zone.toUpperCase() === 'Z') return 'Z';
  const digits = zone.replace(':', '');
  return `${digits.slice(0, 3)}:${digits.slice(3, 5) || '00'}`;
}

function formatLocalOffset(at: Date): string {
  const minutes = -at.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The target in words, for plans and messages: 'time 2026-11-24 04:30:00+00 (exclusive)'. */
export function describeRecoveryTarget(target: RecoveryTarget): string {
  const edge = target.exclusive ? ' (exclusive)' : '';
  switch (target.kind) {
    case 'latest': return 'the latest archived wal';
    case 'time': return `time ${target.text}${edge}`;
    case 'xid': return `transaction ${target.xid}${edge}`;
    case 'lsn': return `lsn ${formatLsn(target.lsn)}${edge}`;
    case 'name': return `restore point '${target.name}'`;
    case 'immediate': return 'the end of the backup (immediate)';
  }
}
