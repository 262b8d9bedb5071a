/**
 * Parsers for option values: text from an INI file → a typed value, or an
 * OptionValueError saying what is wrong and what to write instead. Follows
 * Barman's value grammar (booleans, intervals, retention policies, sizes);
 * knows nothing of which option uses which parser (options.ts does).
 */
import os from 'node:os';
import path from 'node:path';

export type TimeUnit = 'hours' | 'days' | 'weeks' | 'months';
export interface TimeInterval {
  amount: number;
  unit: TimeUnit;
}

export type RetentionPolicy =
  | { kind: 'redundancy'; copies: number }
  | { kind: 'recovery-window'; amount: number; unit: 'days' | 'weeks' | 'months' };

/** Where relative paths in the option's section are anchored, and whose `~` to expand. */
export interface ParseContext {
  baseDir: string;
  userHome: string;
}

export type ValueParser<T> = (raw: string, context: ParseContext) => T;

export class OptionValueError extends Error {
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'OptionValueError';
    this.hint = hint;
  }
}

const trueWords = ['1', 'yes', 'true', 'on'];
const falseWords = ['0', 'no', 'false', 'off'];

/** configparser's getboolean(): 1/yes/true/on and 0/no/false/off, any case. */
export function parseBoolean(raw: string): boolean {
  const word = raw.trim().toLowerCase();
  if (trueWords.includes(word)) return true;
  if (falseWords.includes(word)) return false;
  throw new OptionValueError(`'${raw}' is not a boolean`, 'Use on or off (also true/false, yes/no, 1/0).');
}

export function integerParser(min: number, max = Number.MAX_SAFE_INTEGER): ValueParser<number> {
  return (raw) => {
    const text = raw.trim();
    const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value)) {
      throw new OptionValueError(`'${raw.trim()}' is not a whole number`, `Write a whole number of at least ${min}.`);
    }
    if (value < min) throw new OptionValueError(`${value} is less than ${min}`, `Write a whole number of at least ${min}.`);
    if (value > max) throw new OptionValueError(`${value} is more than ${max}`, `Write a whole number of at most ${max}.`);
    return value;
  };
}

/**
 * One word out of `choices`, any case. `refused` maps values Barman knows but
 * Barkeep does not support to the hint shown instead of the generic one.
 */
export function choiceParser<const C extends readonly string[]>(
  choices: C,
  refused: Record<string, string> = {},
): ValueParser<C[number]> {
  return (raw) => {
    const word = raw.trim().toLowerCase();
    const choice = choices.find((candidate) => candidate.toLowerCase() === word);
    if (choice !== undefined) return choice;
    const refusedHint = refused[word];
    if (refusedHint !== undefined) {
      throw new OptionValueError(`'${raw.trim()}' is not supported by barkeep`, refusedHint);
    }
    throw new OptionValueError(`'${raw.trim()}' is not one of ${choices.join(', ')}`, `Use one of ${choices.join(', ')}.`);
  };
}

/** A comma-separated set of words out of `choices`, duplicates dropped. */
export function wordSetParser<const C extends readonly string[]>(
  choices: C,
  refused: Record<string, string> = {},
): ValueParser<Array<C[number]>> {
  const parseWord = choiceParser(choices, refused);
  return (raw, context) => {
    const words = raw.split(',').map((word) => word.trim()).filter((word) => word !== '');
    return [...new Set(words.map((word) => parseWord(word, context)))];
  };
}

const timeUnits: Record<string, TimeUnit> = { hour: 'hours', day: 'days', week: 'weeks', month: 'months' };

/** Barman's time interval: `N (hour|day|week|month)[s]`, any case. */
export function timeIntervalParser(allowHours: boolean): ValueParser<TimeInterval> {
  const units = allowHours ? 'hour|day|week|month' : 'day|week|month';
  const pattern = new RegExp(`^(\\d+)\\s+(${units})s?$`, 'i');
  return (raw) => {
    const match = pattern.exec(raw.trim());
    const amount = Number(match?.[1]);
    const unit = timeUnits[match?.[2]?.toLowerCase() ?? ''];
    if (!match || unit === undefined || !Number.isSafeInteger(amount) || amount < 1) {
      const example = allowHours ? '6 HOURS, 1 DAY, 2 WEEKS or 1 MONTH' : '1 DAY, 2 WEEKS or 1 MONTH';
      throw new OptionValueError(`'${raw.trim()}' is not a time interval`, `Write a number and a unit, e.g. ${example}.`);
    }
    return { amount, unit };
  };
}

const redundancyPattern = /^REDUNDANCY\s+(\d+)$/i;
const windowPattern = /^RECOVERY\s+WINDOW\s+OF\s+(\d+)\s+(DAY|WEEK|MONTH)S?$/i;
const retentionHint = 'Write REDUNDANCY <copies> or RECOVERY WINDOW OF <n> DAYS|WEEKS|MONTHS.';

/** `REDUNDANCY N` or `RECOVERY WINDOW OF N DAYS|WEEKS|MONTHS`, any case. */
export function parseRetentionPolicy(raw: string): RetentionPolicy {
  const text = raw.trim();
  const redundancy = redundancyPattern.exec(text);
  if (redundancy) {
    const copies = Number(redundancy[1]);
    if (!Number.isSafeInteger(copies) || copies < 1) {
      throw new OptionValueError(`'${text}' keeps no backup`, 'Keep at least one copy: REDUNDANCY 1 or more.');
    }
    return { kind: 'redundancy', copies };
  }
  const window = windowPattern.exec(text);
  if (window) {
    const amount = Number(window[1]);
    const unit = timeUnits[window[2]?.toLowerCase() ?? ''];
    if (!Number.isSafeInteger(amount) || amount < 1 || unit === undefined || unit === 'hours') {
      throw new OptionValueError(`'${text}' is an empty recovery window`, retentionHint);
    }
    return { kind: 'recovery-window', amount, unit };
  }
  throw new OptionValueError(`'${text}' is not a retention policy`, retentionHint);
}

const sizeMultipliers: Record<string, number> = {
  '': 1, k: 1e3, Ki: 1024, M: 1e6, Mi: 1024 ** 2, G: 1e9, Gi: 1024 ** 3, T: 1e12, Ti: 1024 ** 4,
};

/** Barman's byte count with an optional SI or IEC suffix: 500, 10 M, 1 Gi, 2 GiB. */
export function parseByteSize(raw: string): number {
  const match = /^(\d+)\s*(k|Ki|M|Mi|G|Gi|T|Ti)?B?$/.exec(raw.trim());
  const multiplier = sizeMultipliers[match?.[2] ?? ''];
  const value = Number(match?.[1]) * (multiplier ?? Number.NaN);
  if (!match || !Number.isSafeInteger(value)) {
    throw new OptionValueError(`'${raw.trim()}' is not a size`, 'Write a number of bytes with an optional suffix k, Ki, M, Mi, G, Gi, T or Ti, e.g. 1 Gi.');
  }
  return value;
}

export function parsePercent(raw: string): number {
  const value = Number(raw.trim().replace(/%$/, ''));
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new OptionValueError(`'${raw.trim()}' is not a percentage`, 'Write a number from 0 to 100.');
  }
  return value;
}

/** A folder or file: `~` expanded, relative paths anchored at the context's base folder. */
export function parsePath(raw: string, context: ParseContext): string {
  return path.resolve(context.baseDir, expandUserHome(raw.trim(), context.userHome));
}

export function expandUserHome(value: string, userHome: string = os.homedir()): string {
  if (value === '~') return userHome;
  if (value.startsWith('~/')) return path.join(userHome, value.slice(2));
  return value;
}

export function parseText(raw: string): string {
  return raw;
}

/** PostgreSQL replication slot names: lower-case letters, digits and '_' (Barman lowercases first). */
export function parseSlotName(raw: string): string {
  const name = raw.trim().toLowerCase();
  if (!/^[0-9a-z_]{1,63}$/.test(name)) {
    throw new OptionValueError(`'${raw.trim()}' is not a replication slot name`,
      'Use up to 63 lower-case letters, digits and underscores, e.g. barkeep.');
  }
  return name;
}
