/**
 * The INI dialect Barman reads: Python's ConfigParser with BasicInterpolation and
 * default settings (strict, `=` or `:`, `#`/`;` full-line comments, continuation
 * lines, a [DEFAULT] section, `%(name)s` references). Owns text → sections with
 * line numbers, and interpolation; knows nothing of what the options mean.
 */
import { EngineError } from '../../../shared/errors';

export interface IniOption {
  /** lowercased, as configparser's optionxform does */
  name: string;
  /** the value before interpolation, continuation lines joined with '\n' */
  rawValue: string;
  file: string;
  line: number;
}

export interface IniSection {
  name: string;
  file: string;
  line: number;
  options: Map<string, IniOption>;
}

export interface IniDocument {
  file: string;
  /** the [DEFAULT] section's options, supplied to every section */
  defaults: Map<string, IniOption>;
  /** every other section, in file order */
  sections: IniSection[];
}

/** An option as a section sees it: its own or inherited from [DEFAULT], interpolated. */
export interface ResolvedOption extends IniOption {
  value: string;
  inherited: boolean;
}

export const defaultSectionName = 'DEFAULT';
const maxInterpolationDepth = 10;
const sectionHeader = /^\[(.+)\]/s;
const optionLine = /^(.*?)\s*([=:])\s*(.*)$/s;
const reference = /^%\(([^)]+)\)s/;

interface PendingOption {
  option: IniOption;
  lines: string[];
}

/** Parses one file's text the way configparser's read() does, failing at the first error. */
export function parseIni(text: string, file: string): IniDocument {
  const defaults = new Map<string, IniOption>();
  const sections: IniSection[] = [];
  const seenSections = new Map<string, number>();
  let current: { name: string; options: Map<string, IniOption> } | null = null;
  let pending: PendingOption | null = null;
  const pendingValues: PendingOption[] = [];
  let indentLevel = 0;

  // Python's text mode reads '\r\n', '\r' and '\n' alike as line ends.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const stripped = rawLine.trim();
    const isComment = stripped.startsWith('#') || stripped.startsWith(';');
    if (stripped === '' || isComment) {
      // configparser keeps blank lines inside a value (trimmed at the end) but drops comment lines.
      if (!isComment && pending) pending.lines.push('');
      return;
    }
    const indent = rawLine.search(/\S/);
    if (current && pending && indent > indentLevel) {
      pending.lines.push(stripped);
      return;
    }
    indentLevel = indent;

    const header = sectionHeader.exec(stripped);
    if (header) {
      const name = header[1] ?? '';
      pending = null;
      if (name === defaultSectionName) {
        current = { name, options: defaults };
        return;
      }
      const firstLine = seenSections.get(name);
      if (firstLine !== undefined) {
        throw invalid(file, lineNumber, `section [${name}] is defined twice (first at line ${firstLine})`,
          'Merge the two sections into one.');
      }
      seenSections.set(name, lineNumber);
      const section: IniSection = { name, file, line: lineNumber, options: new Map() };
      sections.push(section);
      current = section;
      return;
    }
    if (!current) {
      throw invalid(file, lineNumber, `line '${stripped}' is outside any section`,
        'Start the file with a section header such as [barkeep] or [<server name>].');
    }
    const match = optionLine.exec(stripped);
    const name = match?.[1]?.toLowerCase() ?? '';
    if (!match || name === '') {
      throw invalid(file, lineNumber, `cannot parse line '${stripped}'`,
        'Write options as "name = value"; indent a line only to continue the previous value.');
    }
    const previous = current.options.get(name);
    if (previous) {
      throw invalid(file, lineNumber,
        `option '${name}' is set twice in section [${current.name}] (first at line ${previous.line})`,
        'Keep one of the two lines.');
    }
    const option: IniOption = { name, rawValue: '', file, line: lineNumber };
    current.options.set(name, option);
    pending = { option, lines: [(match[3] ?? '').trim()] };
    pendingValues.push(pending);
  });

  for (const { option, lines: valueLines } of pendingValues) {
    option.rawValue = valueLines.join('\n').trimEnd();
  }
  return { file, defaults, sections };
}

/**
 * Interpolates every option a section sees: its own, then those of [DEFAULT].
 * References look in `vars` first, then the section, then [DEFAULT], as
 * configparser's get(section, option, vars=…) does.
 */
export function resolveSection(
  options: Map<string, IniOption>,
  defaults: Map<string, IniOption>,
  sectionName: string,
  vars: Record<string, string> = {},
): Map<string, ResolvedOption> {
  const lookup = new Map<string, string>();
  for (const [name, option] of defaults) lookup.set(name, option.rawValue);
  for (const [name, option] of options) lookup.set(name, option.rawValue);
  for (const [name, value] of Object.entries(vars)) lookup.set(name.toLowerCase(), value);

  const resolved = new Map<string, ResolvedOption>();
  const visible: Array<[IniOption, boolean]> = [
    ...[...options.values()].map((option): [IniOption, boolean] => [option, false]),
    ...[...defaults.values()].filter((option) => !options.has(option.name))
      .map((option): [IniOption, boolean] => [option, true]),
  ];
  for (const [option, inherited] of visible) {
    const value = interpolate(option, option.rawValue, lookup, sectionName, 1);
    resolved.set(option.name, { ...option, value, inherited });
  }
  return resolved;
}

function interpolate(
  option: IniOption,
  text: string,
  lookup: Map<string, string>,
  sectionName: string,
  depth: number,
): string {
  if (depth > maxInterpolationDepth) {
    throw invalid(option.file, option.line,
      `option '${option.name}': interpolation deeper than ${maxInterpolationDepth} levels (do %(…)s references form a loop?)`,
      'Break the loop of %(name)s references.');
  }
  let result = '';
  let rest = text;
  while (rest !== '') {
    const percent = rest.indexOf('%');
    if (percent < 0) return result + rest;
    result += rest.slice(0, percent);
    rest = rest.slice(percent);
    const next = rest.charAt(1);
    if (next === '%') {
      result += '%';
      rest = rest.slice(2);
    } else if (next === '(') {
      const match = reference.exec(rest);
      if (!match) {
        throw invalid(option.file, option.line, `option '${option.name}': bad interpolation reference '${rest}'`,
          'Write a reference as %(name)s, or %% for a literal percent sign.');
      }
      const referenced = (match[1] ?? '').toLowerCase();
      rest = rest.slice(match[0].length);
      const value = lookup.get(referenced);
      if (value === undefined) {
        throw invalid(option.file, option.line,
          `option '${option.name}': interpolation refers to '${referenced}', which is not set in [${sectionName}] or [${defaultSectionName}]`,
          `Set '${referenced}' in [${sectionName}] or [${defaultSectionName}], or write %% for a literal percent sign.`);
      }
      result += value.includes('%') ? interpolate(option, value, lookup, sectionName, depth + 1) : value;
    } else {
      throw invalid(option.file, option.line,
        `option '${option.name}': '%' must be followed by '%' or '(', found '${rest}'`,
        'Write %% for a literal percent sign.');
    }
  }
  return result;
}

/**
 * The `name = value` text for an option: percent signs escaped, later lines
 * indented as continuations. Surrounding blanks and comment-like continuation
 * lines do not survive a read, so writers parse the result back to check it.
 */
export function formatIniOption(name: string, value: string): string {
  const lines = value.replaceAll('%', '%%').split(/\r\n|\r|\n/);
  return `${name} = ${lines.map((line, index) => (index === 0 ? line : `\t${line}`)).join('\n')}`;
}

function invalid(file: string, line: number, what: string, hint: string): EngineError {
  return new EngineError('config-invalid', `${file}:${line}: ${what}`, hint);
}
