/**
 * The `barkeep` command line: Barman's verbs over the same engine as the app.
 * Parses global options, finds the verb, runs it, and turns errors into
 * messages and exit codes (0 ok, 1 failure, 2 usage). One file per verb group.
 */
import { EngineError, exitCodeFor, toErrorPayload } from '../../shared/errors';
import { resolveConfigFile } from '../engine/config/home';
import { Engine } from '../engine/engine';
import { parseCommand, parseVerbArgs } from './args';
import { createOutput } from './output';
import type { Verb, VerbContext } from './verb';
import { backupVerbs } from './verbs/backup';
import { check } from './verbs/check';
import { cron } from './verbs/cron';
import { demo } from './verbs/demo';
import { diagnose } from './verbs/diagnose';
import { diskUsage } from './verbs/disk';
import { drillVerbs } from './verbs/drill';
import { rebuildCatalogVerb } from './verbs/rebuild-catalog';
import { receiveWal } from './verbs/receive-wal';
import { restoreVerbs } from './verbs/restore';
import { retentionVerbs } from './verbs/retention';
import { serve } from './verbs/serve';
import { listServers, showServers } from './verbs/servers';
import { walVerbs } from './verbs/wal';
import { barkeepVersion } from './version';

export const verbs: readonly Verb[] = [listServers, showServers, diagnose, rebuildCatalogVerb, serve, demo, check, cron, ...walVerbs, receiveWal, ...backupVerbs, ...restoreVerbs, ...drillVerbs, ...retentionVerbs, diskUsage];

function generalHelp(): string {
  const width = Math.max(...verbs.map((verb) => verb.name.length));
  return [
    'usage: barkeep [-c FILE] [-f console|json] [-q] VERB [ARGS]',
    '',
    'Backup and recovery manager for PostgreSQL, in the spirit of Barman.',
    '',
    'Verbs:',
    ...verbs.map((verb) => `  ${verb.name.padEnd(width)}  ${verb.summary}`),
    '',
    'Global options:',
    '  -c, --config FILE    configuration file (default: $BARKEEP_CONFIG, $BARKEEP_HOME/barkeep.conf,',
    '                       or barkeep/barkeep.conf in the XDG data folder); a barman.conf works too',
    '  -f, --format FORMAT  console (default) or json, for listing verbs',
    '  -q, --quiet          no progress output',
    '  -h, --help           help; `barkeep VERB --help` for a verb',
    '  -v, --version        print the version',
    '',
    'Exit codes: 0 ok, 1 failure, 2 usage error.',
  ].join('\n');
}

function verbHelp(verb: Verb): string {
  const lines = [`usage: ${verb.usage}`, '', `${verb.summary[0]!.toUpperCase()}${verb.summary.slice(1)}.`];
  if (verb.details) lines.push('', verb.details);
  if (verb.optionHelp?.length) {
    const width = Math.max(...verb.optionHelp.map(([flag]) => flag.length));
    lines.push('', 'Options:', ...verb.optionHelp.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`));
  }
  if (verb.listing) lines.push('', 'Accepts -f json.');
  return lines.join('\n');
}

export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let format: 'console' | 'json' = 'console';
  let engine: Engine | null = null;
  try {
    const command = parseCommand(argv);
    format = command.global.format;
    const out = createOutput(format);
    if (command.global.version) {
      out.line(`barkeep ${barkeepVersion}`);
      return 0;
    }
    const verbName = command.verb === 'help' ? command.rest[0] : command.verb;
    const verb = verbs.find((candidate) => candidate.name === verbName);
    if (command.verb === undefined || (command.verb === 'help' && verbName === undefined)) {
      process.stdout.write(`${generalHelp()}\n`);
      return command.global.help || command.verb === 'help' ? 0 : 2;
    }
    if (!verb) {
      throw new EngineError('usage', `unknown verb '${verbName}'`, 'run `barkeep --help` for the list of verbs');
    }
    if (command.global.help || command.verb === 'help') {
      process.stdout.write(`${verbHelp(verb)}\n`);
      return 0;
    }
    if (format === 'json' && !verb.listing && verb.name !== 'diagnose') {
      throw new EngineError('usage', `${verb.name} does not take -f json`, 'drop -f json');
    }
    const { values, positionals } = parseVerbArgs(verb.name, command.rest, verb.options, verb.positionals);
    const configFile = resolveConfigFile({ cliConfig: command.global.config, env });
    const ctx: VerbContext = {
      global: command.global,
      values,
      positionals,
      out,
      configFile,
      engine: (options) => {
        if (engine === null) {
          engine = Engine.open({ configFile, createHome: options?.createHome ?? false });
          for (const warning of engine.config.warnings) out.warn(`${warning.file}:${warning.line}: option '${warning.option}': ${warning.message}`);
        }
        return engine;
      },
    };
    return await verb.run(ctx);
  } catch (error) {
    const payload = toErrorPayload(error);
    createOutput(format).error(payload);
    if (payload.code === 'internal' && env.BARKEEP_DEBUG) console.error(error);
    return exitCodeFor(payload);
  } finally {
    await (engine as Engine | null)?.close();
  }
}
