/**
 * The WAL verbs, with Barman's names: put-wal (the receiving end of
 * archive_command), archive-wal (incoming/ into the archive), get-wal (for
 * restore_command), list-wals and switch-wal; and list-restore-points (those
 * found in the archived WAL). put-wal and get-wal run once per WAL file from
 * PostgreSQL, so they read the configuration only, never the catalog.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { detectWalSegmentSize, queryWalCoverage } from '../../engine/catalog/wal-queries';
import { loadConfig, type ServerConfig } from '../../engine/config/load';
import { writeFileAtomic } from '../../engine/store/atomic-file';
import { readArchivedWal } from '../../engine/wal/archive-store';
import { processIncoming, type IncomingReport } from '../../engine/wal/incoming';
import { putWalBytes, readWalBytes, testWalIntake } from '../../engine/wal/put-wal';
import { parseWalFileName } from '../../engine/wal/segment-name';
import { switchWal, waitForArchivedWal } from '../../engine/wal/switch-wal';
import { formatWalBytes } from '../../engine/wal/wal-coverage';
import type { Output } from '../output';
import type { Verb, VerbContext } from '../verb';

export const putWal: Verb = {
  name: 'put-wal',
  summary: 'receive one WAL file on stdin into incoming/ (the far end of archive_command)',
  usage: 'barkeep put-wal SERVER --name NAME [--sha256 HEX] < FILE | barkeep put-wal --test SERVER',
  details: [
    'Called over ssh by barkeep-wal-archive in the archive_command of the PostgreSQL host. The file is checked',
    '(segment header, system identifier) and written to incoming/ atomically; `archive-wal` archives it.',
    'The same bytes pushed again exit 0 and are stored once; other bytes under a known name are kept in errors/ and exit 1.',
  ].join('\n'),
  options: { name: { type: 'string' }, sha256: { type: 'string' }, test: { type: 'boolean' } },
  optionHelp: [
    ['--name NAME', 'the WAL file name (%f): a segment, NNNNNNNN.history or a .backup label'],
    ['--sha256 HEX', "the sender's checksum of the file, to detect a cut transfer"],
    ['--test', 'check that the server is known and incoming/ writable; read and write nothing'],
  ],
  positionals: { min: 1, max: 1 },
  listing: false,
  async run(ctx) {
    const server = loadServerConfig(ctx);
    if (ctx.values.test === true) {
      const ready = testWalIntake(server);
      ctx.out.line(`ready to accept wal files for server '${ready.server}' into '${ready.incomingDirectory}'`);
      if (ready.systemId === null) {
        ctx.out.warn(`the system identifier of server '${server.name}' is not known yet: segments are checked without it until Barkeep learns it (receive-wal, a backup, or the app's server probe)`);
      }
      return 0;
    }
    const name = ctx.values.name;
    if (typeof name !== 'string') throw new EngineError('usage', 'put-wal: --name NAME is required', 'pass the WAL file name, %f in archive_command');
    if (process.stdin.isTTY) throw new EngineError('usage', 'put-wal reads the wal file from stdin', `run \`barkeep put-wal ${server.name} --name ${name} < FILE\``);
    const data = await readWalBytes(process.stdin, name);
    putWalBytes(server, name, data, { sha256: typeof ctx.values.sha256 === 'string' ? ctx.values.sha256 : undefined });
    return 0;
  },
};

export const archiveWal: Verb = {
  name: 'archive-wal',
  summary: 'archive the WAL files waiting in incoming/ and index them',
  usage: 'barkeep archive-wal SERVER',
  details: 'Each file is checked again, stored (compressed as configured) and fsynced, then removed from incoming/. A refused file is moved to errors/; exit 1 if any was.',
  options: {},
  positionals: { min: 1, max: 1 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const report = await processIncoming(server, engine.catalog);
    if (ctx.out.format === 'json') ctx.out.json(report);
    else if (report.files.length === 0) ctx.out.line(`no incoming wal files for server '${server.name}'`);
    else printIncoming(ctx.out, report);
    return report.refused === 0 ? 0 : 1;
  },
};

export const getWal: Verb = {
  name: 'get-wal',
  summary: 'write an archived WAL file, decompressed, to stdout or a file (for restore_command)',
  usage: 'barkeep get-wal SERVER NAME [-o FILE]',
  details: [
    "restore_command = 'barkeep get-wal SERVER %f -o %p'",
    'Looks in the archive, then in incoming/ (files there were checked when they arrived and only wait for',
    '`archive-wal`). Exit 1 when the file is in neither: PostgreSQL asks for such files at the end of recovery.',
  ].join('\n'),
  options: { output: { type: 'string', short: 'o' } },
  optionHelp: [['-o, --output FILE', 'write FILE atomically instead of stdout']],
  positionals: { min: 2, max: 2 },
  listing: false,
  async run(ctx) {
    const server = loadServerConfig(ctx);
    const name = ctx.positionals[1]!;
    const parsed = parseWalFileName(name);
    if (parsed === null || (parsed.kind === 'segment' && parsed.partial)) {
      throw new EngineError('wal-invalid', `'${name}' is not a wal file name`, 'pass a segment name (24 hex digits), NNNNNNNN.history or a .backup label: %f in restore_command');
    }
    // The archive again last: archive-wal stores a file before it deletes it from incoming/.
    const data = readArchivedWal(server.walsDirectory, name) ?? readIncomingWal(server, name) ?? readArchivedWal(server.walsDirectory, name);
    if (data === null) {
      throw new EngineError('wal-missing', `wal file '${name}' is not in the archive of server '${server.name}'`,
        `see what is archived with \`barkeep list-wals ${server.name}\``);
    }
    const output = ctx.values.output;
    if (typeof output === 'string') {
      writeOutputFile(output, data);
      return 0;
    }
    if (process.stdout.isTTY) throw new EngineError('usage', 'get-wal writes binary data', 'pass -o FILE or redirect stdout');
    await new Promise<void>((resolve, reject) => process.stdout.write(data, (error) => (error ? reject(error) : resolve())));
    return 0;
  },
};

export const listWals: Verb = {
  name: 'list-wals',
  summary: 'show the archived WAL per timeline: range, count, size, arrival rate and gaps',
  usage: 'barkeep list-wals SERVER',
  options: {},
  positionals: { min: 1, max: 1 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const coverage = queryWalCoverage(engine.catalog, server.name, detectWalSegmentSize(engine.catalog, server.name, server.walsDirectory));
    if (ctx.out.format === 'json') {
      ctx.out.json(coverage);
      return 0;
    }
    if (coverage.timelines.length === 0) {
      ctx.out.line(`no wal files are archived for server '${server.name}'`);
      return 0;
    }
    ctx.out.table(coverage.timelines.map((timeline) => ({
      ...timeline,
      stored: formatWalBytes(timeline.storedBytes),
      original: formatWalBytes(timeline.originalBytes),
    })), [
      { key: 'timeline', title: 'Timeline' },
      { key: 'parent', title: 'Parent' },
      { key: 'firstSegment', title: 'First' },
      { key: 'lastSegment', title: 'Last' },
      { key: 'segments', title: 'Segments' },
      { key: 'stored', title: 'Stored' },
      { key: 'original', title: 'Original' },
      { key: 'arrivalRatePerHour', title: 'Per hour (24 h)' },
      { key: 'lastArrivalAt', title: 'Last arrival' },
      { key: 'missingSegments', title: 'Missing' },
    ]);
    const gaps = coverage.timelines.flatMap((timeline) => timeline.gaps.map((gap) => ({ timeline: timeline.timeline, ...gap })));
    if (gaps.length > 0) ctx.out.line();
    for (const gap of gaps) {
      const range = gap.from === gap.to ? gap.from : `${gap.from} to ${gap.to}`;
      ctx.out.line(`gap on timeline ${gap.timeline}: ${range} (${gap.segments} segment${gap.segments === 1 ? '' : 's'} missing)`);
    }
    return 0;
  },
};

export const listRestorePointsVerb: Verb = {
  name: 'list-restore-points',
  summary: 'show the restore points (pg_create_restore_point) found in the archived WAL',
  usage: 'barkeep list-restore-points SERVER',
  details: [
    'Each segment is scanned for restore points as it is archived; `rebuild-catalog` scans every archived segment again',
    '(WAL archived by an older Barkeep was not scanned). LSN is where the restore point record ends, as pg_create_restore_point()',
    'returned it. A name may appear more than once: recovery to it (`restore --target-name`) stops at the first after the backup.',
  ].join('\n'),
  options: {},
  positionals: { min: 1, max: 1 },
  listing: true,
  async run(ctx) {
    const server = ctx.positionals[0]!;
    const points = ctx.engine().restorePoints(server);
    if (points.length === 0 && ctx.out.format !== 'json') {
      ctx.out.line(`no restore points are known in the archived wal of server '${server}'`);
      return 0;
    }
    ctx.out.table(points, [
      { key: 'name', title: 'Name' },
      { key: 'time', title: 'Time' },
      { key: 'endLsn', title: 'LSN' },
      { key: 'timeline', title: 'Timeline' },
    ]);
    return 0;
  },
};

export const switchWalVerb: Verb = {
  name: 'switch-wal',
  summary: 'close the current WAL segment on the server, and optionally wait until it is archived',
  usage: 'barkeep switch-wal SERVER [--force] [--archive] [--archive-timeout S]',
  options: { force: { type: 'boolean' }, archive: { type: 'boolean' }, 'archive-timeout': { type: 'string' } },
  optionHelp: [
    ['--force', 'run CHECKPOINT first, so there is always something to close'],
    ['--archive', 'wait until the closed segment is in the archive (incoming/ is archived meanwhile)'],
    ['--archive-timeout S', 'how long --archive waits, in seconds (default 30)'],
  ],
  positionals: { min: 1, max: 1 },
  listing: false,
  async run(ctx) {
    const timeout = ctx.values['archive-timeout'] === undefined ? 30 : Number(ctx.values['archive-timeout']);
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new EngineError('usage', `invalid --archive-timeout '${String(ctx.values['archive-timeout'])}'`, 'give a number of seconds above 0');
    }
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const result = await switchWal(server, { force: ctx.values.force === true });
    ctx.out.line(result.switched
      ? `the wal file ${result.closedSegment} has been closed on server '${server.name}'`
      : `no switch required for server '${server.name}': the last closed wal file is ${result.closedSegment}`);
    if (ctx.values.archive !== true) return 0;
    ctx.out.line(`waiting for the wal file ${result.closedSegment} from server '${server.name}' (max: ${timeout} seconds)`);
    await waitForArchivedWal(server, engine.catalog, result.closedSegment, {
      timeoutMs: timeout * 1000,
      onIncoming: (report) => printIncoming(ctx.out, report),
    });
    ctx.out.line(`the wal file ${result.closedSegment} is archived`);
    return 0;
  },
};

export const walVerbs: readonly Verb[] = [putWal, archiveWal, getWal, listWals, listRestorePointsVerb, switchWalVerb];

/** The server's configuration without opening the catalog (put-wal and get-wal run once per WAL file). */
function loadServerConfig(ctx: VerbContext): ServerConfig {
  const name = ctx.positionals[0]!;
  const config = loadConfig(ctx.configFile);
  const server = config.servers.find((candidate) => candidate.name === name);
  if (!server) {
    const known = config.servers.map((candidate) => candidate.name).join(', ') || 'none';
    throw new EngineError('server-unknown', `unknown server '${name}' (configured: ${known})`,
      `add a [${name}] section in ${config.global.configurationFilesDirectory}, or check the server name in archive_command or restore_command`);
  }
  return server;
}

function readIncomingWal(server: ServerConfig, name: string): Buffer | null {
  try {
    return readFileSync(path.join(server.incomingWalsDirectory, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function writeOutputFile(file: string, data: Buffer): void {
  try {
    writeFileAtomic(path.resolve(file), data);
  } catch (error) {
    throw new EngineError('io-failed', `unable to write wal file '${file}': ${(error as Error).message}`,
      'check that the folder exists and is writable by this user', { cause: error });
  }
}

function printIncoming(out: Output, report: IncomingReport): void {
  out.line(`processing incoming wal files for server '${report.server}'`);
  for (const file of report.files) {
    out.line(`  ${file.name}  ${file.outcome}`);
    if (file.message !== null) out.error({ code: file.outcome === 'conflict' ? 'wal-conflict' : 'wal-invalid', message: file.message });
  }
}
