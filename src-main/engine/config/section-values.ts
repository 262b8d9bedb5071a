/**
 * One section's options, interpolated, checked against the schema: known
 * options parsed into typed values (an invalid value is an error naming
 * file:line and option), unknown or misplaced ones turned into warnings.
 */
import type { ConfigWarning } from '../../../shared/domain/server';
import { EngineError } from '../../../shared/errors';
import type { ResolvedOption } from './ini';
import { OptionValueError, type ParseContext } from './option-values';
import {
  canonicalOptionName,
  describeMisplacedOption,
  describeUnknownOption,
  fitsSection,
  optionSchema,
  parseOptionValue,
  type OptionName,
  type OptionValue,
  type SectionKind,
} from './options';

export interface LocatedValue {
  value: unknown;
  /** the name as written in the file (possibly a Barman alias) */
  writtenName: string;
  file: string;
  line: number;
}

export type SectionValues = Map<OptionName, LocatedValue>;

export interface SectionInput {
  name: string;
  kind: SectionKind;
  resolved: Map<string, ResolvedOption>;
  context: ParseContext;
}

export function readSectionValues(section: SectionInput, warnings: ConfigWarning[]): SectionValues {
  const values: SectionValues = new Map();
  const warn = (option: ResolvedOption, message: string) => {
    // Options inherited from [DEFAULT] are mostly interpolation variables; they are checked once, not per section.
    if (!option.inherited) warnings.push({ file: option.file, line: option.line, option: option.name, message });
  };
  for (const option of section.resolved.values()) {
    const name = canonicalOptionName(option.name);
    if (name === null) {
      warn(option, describeUnknownOption(option.name, section.name));
      continue;
    }
    if (!fitsSection(name, section.kind)) {
      warn(option, describeMisplacedOption(section.kind, section.name));
      continue;
    }
    // Own options come before inherited ones, so an earlier value met by an own option is own too.
    const earlier = values.get(name);
    if (earlier && option.inherited) continue;
    if (earlier) {
      throw new EngineError('config-invalid',
        `${option.file}:${option.line}: option '${option.name}' sets '${name}' again (already set by '${earlier.writtenName}' at line ${earlier.line})`,
        `Keep only one of '${earlier.writtenName}' and '${option.name}'.`);
    }
    values.set(name, {
      value: parseLocated(name, option, section.context),
      writtenName: option.name,
      file: option.file,
      line: option.line,
    });
  }
  return values;
}

function parseLocated(name: OptionName, option: ResolvedOption, context: ParseContext): unknown {
  try {
    return parseOptionValue(name, option.value, context);
  } catch (error) {
    if (!(error instanceof OptionValueError)) throw error;
    throw new EngineError('config-invalid', `${option.file}:${option.line}: option '${option.name}': ${error.message}`, error.hint);
  }
}

/**
 * The value a section gives an option: its own, else (for options allowed in
 * both scopes) the global section's, else the schema default.
 */
export function pickValue<N extends OptionName>(name: N, own: SectionValues, global?: SectionValues): OptionValue<N> {
  const located = own.get(name) ?? (optionSchema[name].scope === 'both' ? global?.get(name) : undefined);
  return (located ? located.value : optionSchema[name].default) as OptionValue<N>;
}
