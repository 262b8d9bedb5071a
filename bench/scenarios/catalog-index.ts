/**
 * Scenario "index WAL segments in the catalog": insert 100,000 WAL segment rows
 * into a fresh catalog through Catalog.upsertWalSegments, against the sqlite3
 * CLI importing the same rows from CSV into the same schema. Small on purpose:
 * it proves the harness runs several scenarios, and watches the catalog's write path.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Catalog } from '../../src-main/engine/catalog/catalog';
import type { WalSegmentRow } from '../../src-main/engine/catalog/catalog';
import { migrations } from '../../src-main/engine/catalog/migrations';
import { makeTempDir, removeTempDir } from '../../test/support/temp-dir';
import { findExecutable, runCommand } from '../command';
import type { Contender, Scenario, ScenarioContext, ScenarioFixture } from '../harness';

export interface CatalogIndexOptions {
  /** WAL segment rows per run. */
  rowCount: number;
}

const serverName = 'bench';
const segmentsPerLogicalFile = 256;

export function catalogIndexScenario(opts: CatalogIndexOptions): Scenario {
  return {
    name: 'catalog-index',
    title: `index ${opts.rowCount.toLocaleString('en-US')} WAL segments in the catalog`,
    setup: (ctx) => setUp(ctx, opts),
  };
}

async function setUp(ctx: ScenarioContext, opts: CatalogIndexOptions): Promise<ScenarioFixture> {
  const workDir = await makeTempDir('bench-catalog');
  ctx.onTeardown(() => removeTempDir(workDir));
  ctx.log(`writing ${opts.rowCount} WAL segment rows as CSV`);
  const rows = buildWalSegmentRows(opts.rowCount);
  const csvFile = path.join(workDir, 'wal-segments.csv');
  await writeFile(csvFile, formatCsv(rows));
  const schemaFile = path.join(workDir, 'schema.sql');
  await writeFile(schemaFile, renderSqliteScript(csvFile));
  const catalogFile = path.join(workDir, 'catalog', 'catalog.db');
  await mkdir(path.dirname(catalogFile));
  const sqlite3 = findExecutable('sqlite3');

  const barkeep: Contender = {
    name: 'Catalog.upsertWalSegments',
    role: 'barkeep',
    run: async () => {
      // Opening runs the migrations, as the sqlite3 contender creates the schema too.
      const catalog = Catalog.open(catalogFile);
      try {
        catalog.upsertWalSegments(rows);
      } finally {
        catalog.close();
      }
    },
    verify: () => verifyRowCount(catalogFile, opts.rowCount),
  };
  const reference: Contender = {
    name: 'sqlite3 .import (CSV)',
    role: 'reference',
    skipReason: sqlite3 === null ? 'sqlite3 not found (install the sqlite3 package to include it)' : null,
    run: async () => {
      await runCommand(sqlite3 ?? 'sqlite3', ['-batch', '-bail', catalogFile, `.read ${schemaFile}`]);
    },
    verify: () => verifyRowCount(catalogFile, opts.rowCount),
  };

  return {
    bytes: (await stat(csvFile)).size,
    // The reference first, so the ratio reads "Barkeep is N× the CLI".
    contenders: [reference, barkeep],
    reset: async () => {
      for (const suffix of ['', '-wal', '-shm']) await rm(`${catalogFile}${suffix}`, { force: true });
    },
    describe: () => [
      'both start from no catalog file, create the whole schema (journal_mode WAL, synchronous NORMAL) and insert in one transaction',
      'MB/s counts the CSV file sqlite3 reads; Barkeep gets the same rows as objects built before the timing',
    ],
  };
}

/** Consecutive segment names on timeline 1, as an archive would hold them. */
function buildWalSegmentRows(count: number): WalSegmentRow[] {
  const start = Date.UTC(2025, 0, 1);
  return Array.from({ length: count }, (_, index) => ({
    server: serverName,
    name: `00000001${hex8(Math.floor(index / segmentsPerLogicalFile))}${hex8(index % segmentsPerLogicalFile)}`,
    timeline: 1,
    sizeBytes: 16 * 1024 * 1024,
    compression: 'gzip',
    archivedAt: new Date(start + index * 60_000).toISOString(),
  }));
}

function formatCsv(rows: readonly WalSegmentRow[]): string {
  const header = 'server,name,timeline,size_bytes,compression,archived_at';
  // No field holds a comma, quote or newline, so none needs quoting.
  return `${header}\n${rows.map((row) => [row.server, row.name, row.timeline, row.sizeBytes, row.compression, row.archivedAt].join(',')).join('\n')}\n`;
}

/** The same pragmas and migrations Catalog.open applies, then one CSV import. */
function renderSqliteScript(csvFile: string): string {
  const newest = migrations.at(-1)?.version ?? 0;
  return [
    'PRAGMA journal_mode = WAL;',
    'PRAGMA synchronous = NORMAL;',
    'PRAGMA foreign_keys = ON;',
    'BEGIN;',
    ...migrations.map((migration) => migration.sql),
    `PRAGMA user_version = ${newest};`,
    'COMMIT;',
    // .import wraps its inserts in one transaction.
    `.import --csv --skip 1 ${csvFile} wal_segments`,
    '',
  ].join('\n');
}

async function verifyRowCount(catalogFile: string, expected: number): Promise<void> {
  const catalog = Catalog.open(catalogFile);
  try {
    const { count } = catalog.db.prepare('SELECT COUNT(*) AS count FROM wal_segments').get() as { count: number };
    if (count !== expected) throw new Error(`catalog '${catalogFile}' holds ${count} WAL segment rows, expected ${expected}`);
  } finally {
    catalog.close();
  }
}

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}
