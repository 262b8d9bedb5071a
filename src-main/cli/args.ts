/**
 * Command-line parsing: global options (before or after the verb), the verb,
 * then the verb's own options through node's parseArgs in strict mode. Every
 * mistake becomes a 'usage' EngineError (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError } from '../../shared/errors';

export type OutputFormat = 'console' | 'json';

export interface GlobalArgs {
  config: string | undefined;
  format: OutputFormat;
  quiet: boolean;
  help: boolean;
  version: boolean;
}

export type VerbOptions = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommand {
  global: GlobalArgs;
  verb: string | undefined;
  rest: string[];
}

const globalOptions = {
  config: { type: 'string', short: 'c' },
  format: { type: 'string', short: 'f' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies VerbOptions;

/** Splits argv into global options, the verb, and the rest (the verb's own arguments). */
export function parseCommand(argv: readonly string[]): ParsedCommand {
  const global: GlobalArgs = { config: undefined, format: 'console', quiet: false, help: false, version: false };
  const rest: string[] = [];
  let verb: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    const [flag, inlineValue] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) as [string, string | undefined] : [arg, undefined];
    const takeValue = (): string => {
      if (inlineValue !== undefined) return inlineValue;
      const value = argv[index + 1];
      if (value === undefined) throw new EngineError('usage', `option '${flag}' needs a value`);
      index += 1;
      return value;
    };
    if (flag === '-c' || flag === '--config') global.config = takeValue();
    else if (flag === '-f' || flag === '--format') global.format = parseFormat(takeValue());
    else if (flag === '-q' || flag === '--quiet') global.quiet = true;
    else if (flag === '-h' || flag === '--help') global.help = true;
    else if ((flag === '-v' || flag === '--version') && verb === undefined) global.version = true;
    else if (verb === undefined && !arg.startsWith('-')) verb = arg;
    else rest.push(arg);
  }
  return { global, verb, rest };
}

function parseFormat(value: string): OutputFormat {
  if (value === 'console' || value === 'json') return value;
  throw new EngineError('usage', `unknown output format '${value}'`, 'use -f console or -f json');
}

export function parseVerbArgs(verb: string, rest: string[], options: VerbOptions, positionals: { min: number; max: number }) {
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new EngineError('usage', `${verb}: ${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}`, `see \`barkeep ${verb} --help\``);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min || count > positionals.max) {
    const expected = positionals.min === positionals.max ? `${positionals.min}` : `${positionals.min} to ${positionals.max}`;
    throw new EngineError('usage', `${verb}: expected ${expected} argument(s), got ${count}`, `see \`barkeep ${verb} --help\``);
  }
  return parsed;
}

export { globalOptions };
