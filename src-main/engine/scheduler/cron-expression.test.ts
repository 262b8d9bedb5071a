import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OptionValueError } from '../config/option-values';
import { formatLocalMinute, latestDueAtOrBefore, nextDueAfter, parseCronExpression } from './cron-expression';

// Due times are local: each test names the zone it reasons in (node reads TZ again when it changes).
function inZone(zone: string, body: () => void): void {
  const previous = process.env.TZ;
  process.env.TZ = zone;
  try {
    body();
  } finally {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  }
}

const utc = (iso: string): Date => new Date(iso);
const iso = (date: Date | null): string | null => date?.toISOString() ?? null;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, index) => from + index);

function assertRefused(text: string, message: RegExp): void {
  assert.throws(() => parseCronExpression(text), (error: unknown) => {
    assert.ok(error instanceof OptionValueError, `${text}: ${String(error)}`);
    assert.match(error.message, message);
    assert.ok(error.hint && error.hint.length > 0);
    return true;
  });
}

test('fields: stars, lists, ranges, steps and names', () => {
  const daily = parseCronExpression(' 0  3 * * * ');
  assert.equal(daily.source, '0 3 * * *');
  assert.deepEqual(daily.minutes, [0]);
  assert.deepEqual(daily.hours, [3]);
  assert.deepEqual(daily.daysOfMonth, range(1, 31));
  assert.deepEqual(daily.months, range(1, 12));
  assert.deepEqual(daily.daysOfWeek, range(0, 6));
  assert.equal(daily.dayOfMonthStar && daily.dayOfWeekStar, true);

  const office = parseCronExpression('*/15 9-17 * JAN-mar mon-fri');
  assert.deepEqual(office.minutes, [0, 15, 30, 45]);
  assert.deepEqual(office.hours, range(9, 17));
  assert.deepEqual(office.months, [1, 2, 3]);
  assert.deepEqual(office.daysOfWeek, [1, 2, 3, 4, 5]);
  assert.equal(office.dayOfWeekStar, false);

  // a/n runs from a to the end of the field; a-b/n within the range; lists mix both
  assert.deepEqual(parseCronExpression('5/20 * * * *').minutes, [5, 25, 45]);
  assert.deepEqual(parseCronExpression('0 1-10/4,22 * * *').hours, [1, 5, 9, 22]);
  // 7 is Sunday as well as 0; 5-7 is Friday, Saturday, Sunday
  assert.deepEqual(parseCronExpression('0 0 * * 7').daysOfWeek, [0]);
  assert.deepEqual(parseCronExpression('0 0 * * 5-7').daysOfWeek, [0, 5, 6]);
  // */2 on day of week: 0, 2, 4, 6 (8 is past the end)
  assert.deepEqual(parseCronExpression('0 0 * * */2').daysOfWeek, [0, 2, 4, 6]);
  const both = parseCronExpression('0 0 1,15 * sun');
  assert.deepEqual([both.daysOfMonth, both.daysOfWeek, both.dayOfMonthStar, both.dayOfWeekStar], [[1, 15], [0], false, false]);
  // Vixie counts a field starting with * as unrestricted, even with a step
  assert.equal(parseCronExpression('0 0 */2 * fri').dayOfMonthStar, true);
});

test('shorthands expand to their five fields and keep their name', () => {
  const cases: [string, string][] = [
    ['@yearly', '0 0 1 1 *'], ['@annually', '0 0 1 1 *'], ['@monthly', '0 0 1 * *'], ['@weekly', '0 0 * * 0'],
    ['@daily', '0 0 * * *'], ['@midnight', '0 0 * * *'], ['@hourly', '0 * * * *'],
  ];
  for (const [shorthand, fields] of cases) {
    const { source, ...parsed } = parseCronExpression(shorthand.toUpperCase());
    const { source: _ignored, ...expected } = parseCronExpression(fields);
    assert.equal(source, shorthand.toUpperCase());
    assert.deepEqual(parsed, expected, shorthand);
  }
});

test('mistakes are refused with the field and a hint', () => {
  assertRefused('0 3 * *', /^'0 3 \* \*' is not a cron expression: it has 4 fields, barkeep reads 5$/);
  assertRefused('0 0 3 * * *', /it has 6 fields/);
  assertRefused('', /it has 0 fields/);
  assertRefused('60 * * * *', /the minute field '60' has 60, out of range 0-59/);
  assertRefused('* 24 * * *', /the hour field '24' has 24, out of range 0-23/);
  assertRefused('* * 0 * *', /the day-of-month field '0' has 0, out of range 1-31/);
  assertRefused('* * * 13 *', /the month field '13'/);
  assertRefused('* * * * 8', /the day-of-week field '8' has 8, out of range 0-7/);
  assertRefused('* * * * fr', /has 'fr', neither a number nor a name \(sun mon tue wed thu fri sat\)/);
  assertRefused('5-1 * * * *', /has a range 5-1 that runs backwards/);
  assertRefused('*/0 * * * *', /has a step '0' that is not a whole number above 0/);
  assertRefused('1,,2 * * * *', /the minute field '1,,2' is malformed/);
  assertRefused('1-2-3 * * * *', /is malformed/);
  assertRefused('x * * * *', /has 'x', not a number/);
  assertRefused('@reboot', /'@reboot' is not a cron shorthand barkeep knows/);
  assertRefused('@often', /'@often' is not a cron shorthand/);
  // February 30th and April 31st never come; a day-of-week alternative would rescue them (Vixie's OR)
  assertRefused('0 0 30 2 *', /^'0 0 30 2 \*' is never due/);
  assertRefused('0 0 31 4,6,9,11 *', /is never due/);
  assert.doesNotThrow(() => parseCronExpression('0 0 30 2 mon'));
  assert.doesNotThrow(() => parseCronExpression('0 0 29 2 *'));
});

test('latest due at or before now, and the next one after it (UTC)', () => inZone('UTC', () => {
  const daily = parseCronExpression('0 3 * * *');
  // a second before 03:00 the latest is yesterday's; at 03:00 itself it is today's
  assert.equal(iso(latestDueAtOrBefore(daily, utc('2024-05-10T02:59:59Z'))), '2024-05-09T03:00:00.000Z');
  assert.equal(iso(nextDueAfter(daily, utc('2024-05-10T02:59:59Z'))), '2024-05-10T03:00:00.000Z');
  assert.equal(iso(latestDueAtOrBefore(daily, utc('2024-05-10T03:00:00Z'))), '2024-05-10T03:00:00.000Z');
  assert.equal(iso(nextDueAfter(daily, utc('2024-05-10T03:00:00Z'))), '2024-05-11T03:00:00.000Z');

  const quarterly = parseCronExpression('*/15 * * * *');
  assert.equal(iso(latestDueAtOrBefore(quarterly, utc('2024-05-10T10:07:30Z'))), '2024-05-10T10:00:00.000Z');
  assert.equal(iso(nextDueAfter(quarterly, utc('2024-05-10T10:07:30Z'))), '2024-05-10T10:15:00.000Z');
  // across midnight and a month end
  assert.equal(iso(nextDueAfter(quarterly, utc('2024-05-31T23:50:00Z'))), '2024-06-01T00:00:00.000Z');

  // 31st of every month: April has none, so after April 1st comes May 31st
  assert.equal(iso(nextDueAfter(parseCronExpression('0 0 31 * *'), utc('2024-04-01T00:00:00Z'))), '2024-05-31T00:00:00.000Z');
  // February 29th: the last one before March 2025 is in 2024, the next in 2028
  const leap = parseCronExpression('0 0 29 2 *');
  assert.equal(iso(latestDueAtOrBefore(leap, utc('2025-03-01T00:00:00Z'))), '2024-02-29T00:00:00.000Z');
  assert.equal(iso(nextDueAfter(leap, utc('2025-03-01T00:00:00Z'))), '2028-02-29T00:00:00.000Z');

  const yearly = parseCronExpression('@yearly');
  assert.equal(iso(latestDueAtOrBefore(yearly, utc('2024-05-10T00:00:00Z'))), '2024-01-01T00:00:00.000Z');
  assert.equal(iso(nextDueAfter(yearly, utc('2024-05-10T00:00:00Z'))), '2025-01-01T00:00:00.000Z');
}));

test("Vixie's day rule: restricted day fields OR, a starred one ANDs (UTC)", () => inZone('UTC', () => {
  // May 2024: the 1st is a Wednesday, so the 3rd, 10th, 17th are Fridays and the 13th a Monday.
  const thirteenthOrFriday = parseCronExpression('0 12 13 * fri');
  assert.equal(iso(latestDueAtOrBefore(thirteenthOrFriday, utc('2024-05-10T00:00:00Z'))), '2024-05-03T12:00:00.000Z', 'Friday the 3rd');
  assert.equal(iso(nextDueAfter(thirteenthOrFriday, utc('2024-05-10T00:00:00Z'))), '2024-05-10T12:00:00.000Z', 'Friday the 10th');
  assert.equal(iso(nextDueAfter(thirteenthOrFriday, utc('2024-05-10T12:00:00Z'))), '2024-05-13T12:00:00.000Z', 'Monday the 13th');
  // */2 starts with *: odd days that are also Fridays; the 10th is even, the 17th odd
  const oddFridays = parseCronExpression('0 12 */2 * fri');
  assert.equal(iso(nextDueAfter(oddFridays, utc('2024-05-10T00:00:00Z'))), '2024-05-17T12:00:00.000Z');
  // day of month * and a weekday: the weekday alone
  assert.equal(iso(nextDueAfter(parseCronExpression('30 1 * * sun'), utc('2024-05-10T00:00:00Z'))), '2024-05-12T01:30:00.000Z');
}));

test('daylight saving in Europe/Paris: a skipped time is skipped, a repeated one is due once', () => inZone('Europe/Paris', () => {
  const at0230 = parseCronExpression('30 2 * * *');
  // 2024-03-31: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that day.
  // Noon on March 30 (CET, UTC+1) is 11:00Z; the next 02:30 is April 1 in CEST (UTC+2): 00:30Z.
  assert.equal(iso(nextDueAfter(at0230, utc('2024-03-30T11:00:00Z'))), '2024-04-01T00:30:00.000Z');
  // Noon on March 31 (CEST) is 10:00Z: the latest 02:30 is March 30 in CET, 01:30Z.
  assert.equal(iso(latestDueAtOrBefore(at0230, utc('2024-03-31T10:00:00Z'))), '2024-03-30T01:30:00.000Z');

  // 2024-10-27: 03:00 CEST goes back to 02:00 CET, so 02:00-02:59 happens at 00:xxZ and again at 01:xxZ.
  // Midnight (CEST) is 22:00Z the day before; the first 02:30 is 00:30Z.
  assert.equal(iso(nextDueAfter(at0230, utc('2024-10-26T22:00:00Z'))), '2024-10-27T00:30:00.000Z');
  // After it, the repeat at 01:30Z is not due: the next is October 28, 02:30 CET = 01:30Z.
  assert.equal(iso(nextDueAfter(at0230, utc('2024-10-27T00:30:00Z'))), '2024-10-28T01:30:00.000Z');
  // During the repeated hour (02:45 CET = 01:45Z) the latest due is still the first 02:30.
  assert.equal(iso(latestDueAtOrBefore(at0230, utc('2024-10-27T01:45:00Z'))), '2024-10-27T00:30:00.000Z');

  // Every 15 minutes: the repeated hour adds no runs. At 02:20 CET (01:20Z) the latest is 02:45 CEST (00:45Z),
  // and the next is 03:00 CET (02:00Z).
  const quarterly = parseCronExpression('*/15 * * * *');
  assert.equal(iso(latestDueAtOrBefore(quarterly, utc('2024-10-27T01:20:00Z'))), '2024-10-27T00:45:00.000Z');
  assert.equal(iso(nextDueAfter(quarterly, utc('2024-10-27T01:20:00Z'))), '2024-10-27T02:00:00.000Z');
  // In spring, 01:45 CET (00:45Z) is followed by 03:00 CEST (01:00Z).
  assert.equal(iso(nextDueAfter(quarterly, utc('2024-03-31T00:45:00Z'))), '2024-03-31T01:00:00.000Z');

  assert.equal(formatLocalMinute(utc('2024-10-27T00:30:00Z')), '2024-10-27 02:30');
  assert.equal(formatLocalMinute(utc('2024-03-31T01:00:00Z')), '2024-03-31 03:00');
}));
