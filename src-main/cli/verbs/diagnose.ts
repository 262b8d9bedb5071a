/**
 * `diagnose`: one JSON document with everything support needs — versions,
 * paths, configuration (secrets redacted), catalog state, PostgreSQL binaries —
 * like `barman diagnose`. Never prints a password.
 */
import os from 'node:os';
import { findPostgresBinDir } from '../../engine/postgres/bin-dir';
import type { Verb } from '../verb';
import { barkeepVersion } from '../version';

export const diagnose: Verb = {
  name: 'diagnose',
  summary: 'print diagnostic information as JSON',
  usage: 'barkeep diagnose',
  options: {},
  positionals: { min: 0, max: 0 },
  listing: false,
  async run(ctx) {
    const engine = ctx.engine();
    let postgresBinDir: string | { error: string };
    try {
      postgresBinDir = findPostgresBinDir();
    } catch (error) {
      postgresBinDir = { error: (error as Error).message };
    }
    ctx.out.json({
      barkeep: { version: barkeepVersion, configFile: engine.config.configFile, flavour: engine.config.flavour, home: engine.home },
      system: { platform: process.platform, release: os.release(), arch: process.arch, node: process.versions.node, user: os.userInfo().username },
      global: engine.config.global,
      warnings: engine.config.warnings,
      servers: engine.listServers().map((summary) => ({
        ...summary,
        checks: engine.catalog.checkResults(summary.name),
        backups: engine.catalog.listBackups(summary.name).map((backup) => ({ id: backup.backupId, status: backup.status, endTime: backup.endTime })),
      })),
      catalog: { file: engine.catalog.file, schemaVersion: engine.catalog.schemaVersion },
      postgresBinDir,
    });
    return 0;
  },
};
