/**
 * Cron expressions for schedules (backup_schedule, check_schedule): Vixie
 * cron's five fields — minute hour day-of-month month day-of-week — and the
 * due times they give in the machine's local time zone. Pure: it reads no
 * clock; callers pass `now`. Parse errors are OptionValueErrors, so the
 * configuration names file:line like any other bad value.
 *
 * Grammar: `*`, lists `a,b`, ranges `a-b`, steps `*\/n`, `a-b/n` and `a/n`
 * (a to the field's end, as cronie reads it), names jan–dec and sun–sat (any
 * case), day of week 0–7 with both 0 and 7 Sunday, and the shorthands @hourly,
 * @daily (@midnight), @weekly, @monthly, @yearly (@annually).
 *
 * Vixie's day rule: when both day fields are restricted, a day is due when
 * either matches ("1,15 * mon" is the 1st, the 15th and every Monday); a field
 * that starts with `*` (even `*\/2`) counts as unrestricted, and then both
 * must match. Daylight saving: a local time the clocks skip is skipped, and a
 * local time they repeat is due once, at its first occurrence.
 */
import { OptionValueError } from '../config/option-values';

export interface CronExpression {
  /** as written, whitespace collapsed: what messages and claims show */
  source: string;
  /** allowed values of each field, ascending; day of week 0–6 with 0 Sunday */
  minutes: readonly number[];
  hours: readonly number[];
  daysOfMonth: readonly number[];
  /** 1–12 */
  months: readonly number[];
  daysOfWeek: readonly number[];
  /** the field starts with '*': Vixie's rule then ANDs the two day fields */
  dayOfMonthStar: boolean;
  dayOfWeekStar: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** the first name's value */
  namesFrom?: number;
}

const fieldSpecs: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], namesFrom: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], namesFrom: 0 },
];

const shorthands: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const syntaxHint = 'Write five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *" (03:00 every day) '
  + 'or "30 1 * * sun"; or one of @hourly, @daily, @weekly, @monthly, @yearly.';

/** How far due-time searches look: 28 years hold every weekday and leap-day combination. */
const searchDays = 28 * 366;

/** Parses a cron expression; throws OptionValueError naming what is wrong. */
export function parseCronExpression(text: string): CronExpression {
  const source = text.trim().replace(/\s+/g, ' ');
  if (source.startsWith('@')) {
    const expanded = shorthands[source.toLowerCase()];
    if (expanded === undefined) {
      throw new OptionValueError(`'${source}' is not a cron shorthand barkeep knows`,
        source.toLowerCase() === '@reboot' ? 'Barkeep has no boot-time schedules; write a time, e.g. @daily.' : syntaxHint);
    }
    return { ...parseFields(source, expanded.split(' ')), source };
  }
  const fields = source === '' ? [] : source.split(' ');
  if (fields.length !== 5) {
    throw new OptionValueError(`'${source}' is not a cron expression: it has ${fields.length} field${fields.length === 1 ? '' : 's'}, barkeep reads 5`, syntaxHint);
  }
  return parseFields(source, fields);
}

function parseFields(source: string, fields: readonly string[]): CronExpression {
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = fieldSpecs.map((spec, index) => parseField(source, fields[index]!, spec));
  const expression: CronExpression = {
    source,
    minutes: minutes!,
    hours: hours!,
    daysOfMonth: daysOfMonth!,
    months: months!,
    // 7 is Sunday too
    daysOfWeek: [...new Set(daysOfWeek!.map((day) => day % 7))].sort((a, b) => a - b),
    dayOfMonthStar: fields[2]!.startsWith('*'),
    dayOfWeekStar: fields[4]!.startsWith('*'),
  };
  if (!hasAnyDueDay(expression)) {
    throw new OptionValueError(`'${source}' is never due: no date matches its day-of-month, month and day-of-week fields`,
      'Check the day and month, e.g. 30 2 (February 30th) never comes.');
  }
  return expression;
}

function parseField(source: string, field: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  const refuse = (problem: string): never => {
    throw new OptionValueError(`'${source}' is not a cron expression: the ${spec.name} field '${field}' ${problem}`, syntaxHint);
  };
  for (const item of field.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '') refuse('is malformed');
    let step = 1;
    if (stepText !== undefined) {
      step = /^\d+$/.test(stepText) ? Number(stepText) : Number.NaN;
      if (!Number.isSafeInteger(step) || step < 1) refuse(`has a step '${stepText}' that is not a whole number above 0`);
    }
    let first: number;
    let last: number;
    if (range === '*') {
      first = spec.min;
      last = spec.max;
    } else {
      const [from, to, more] = range!.split('-');
      if (more !== undefined || from === undefined || from === '' || to === '') refuse('is malformed');
      first = readValue(from!, spec, refuse);
      // `a/n` runs from a to the field's end
      last = to !== undefined ? readValue(to, spec, refuse) : stepText !== undefined ? spec.max : first;
      if (first > last) refuse(`has a range ${range} that runs backwards`);
    }
    for (let value = first; value <= last; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function readValue(text: string, spec: FieldSpec, refuse: (problem: string) => never): number {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (spec.namesFrom ?? 0);
  if (!/^\d+$/.test(text)) refuse(spec.names ? `has '${text}', neither a number nor a name (${spec.names.join(' ')})` : `has '${text}', not a number`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) refuse(`has ${value}, out of range ${spec.min}-${spec.max}`);
  return value;
}

/** Whether some calendar day (over a 28-year cycle) passes the day and month fields. */
function hasAnyDueDay(expression: CronExpression): boolean {
  const start = Date.UTC(2001, 0, 1);
  for (let day = 0; day < searchDays; day += 1) {
    const date = new Date(start + day * 86_400_000);
    if (dayMatches(expression, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCDay())) return true;
  }
  return false;
}

/** Vixie's rule: either day field when both are restricted, both when one starts with '*'. */
function dayMatches(expression: CronExpression, month: number, dayOfMonth: number, dayOfWeek: number): boolean {
  if (!expression.months.includes(month)) return false;
  const byMonthDay = expression.daysOfMonth.includes(dayOfMonth);
  const byWeekDay = expression.daysOfWeek.includes(dayOfWeek);
  return expression.dayOfMonthStar || expression.dayOfWeekStar ? byMonthDay && byWeekDay : byMonthDay || byWeekDay;
}

/** The local day `offset` days from `moment`'s local day (noon, which every day has). */
function localDay(moment: Date, offset: number): Date {
  return new Date(moment.getFullYear(), moment.getMonth(), moment.getDate() + offset, 12);
}

/** The instant of a local wall-clock minute; null when the clocks skip it. A repeated minute gives its first instant. */
function localMinute(day: Date, hour: number, minute: number): Date | null {
  const instant = new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour, minute, 0, 0);
  const exists = instant.getDate() === day.getDate() && instant.getHours() === hour && instant.getMinutes() === minute;
  return exists ? instant : null;
}

function dayIsDue(expression: CronExpression, day: Date): boolean {
  return dayMatches(expression, day.getMonth() + 1, day.getDate(), day.getDay());
}

/** The latest due time at or before `now` (local time), or null when none lies within 28 years. */
export function latestDueAtOrBefore(expression: CronExpression, now: Date): Date | null {
  for (let offset = 0; offset <= searchDays; offset += 1) {
    const day = localDay(now, -offset);
    if (!dayIsDue(expression, day)) continue;
    for (let hourIndex = expression.hours.length - 1; hourIndex >= 0; hourIndex -= 1) {
      for (let minuteIndex = expression.minutes.length - 1; minuteIndex >= 0; minuteIndex -= 1) {
        const instant = localMinute(day, expression.hours[hourIndex]!, expression.minutes[minuteIndex]!);
        if (instant !== null && instant.getTime() <= now.getTime()) return instant;
      }
    }
  }
  return null;
}

/** The first due time strictly after `now` (local time), or null when none lies within 28 years. */
export function nextDueAfter(expression: CronExpression, now: Date): Date | null {
  for (let offset = 0; offset <= searchDays; offset += 1) {
    const day = localDay(now, offset);
    if (!dayIsDue(expression, day)) continue;
    for (const hour of expression.hours) {
      for (const minute of expression.minutes) {
        const instant = localMinute(day, hour, minute);
        if (instant !== null && instant.getTime() > now.getTime()) return instant;
      }
    }
  }
  return null;
}

/** 'YYYY-MM-DD HH:MM' in local time, the way schedules are written. */
export function formatLocalMinute(moment: Date): string {
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${moment.getFullYear()}-${two(moment.getMonth() + 1)}-${two(moment.getDate())} ${two(moment.getHours())}:${two(moment.getMinutes())}`;
}
