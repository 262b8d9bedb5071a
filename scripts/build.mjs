// One build for the bundles, with esbuild: Electron main and preload
// (CommonJS, node platform; native modules stay external), the `barkeep`
// command line (ESM, node platform) and the renderer (ESM for the browser, CSS
// extracted, index.html copied). Fast enough to run before every test and `serve`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const production = process.env.NODE_ENV === 'production';

const nativeOrElectron = ['electron', 'better-sqlite3', 'ssh2', 'cpu-features', 'pg-native', 'zstd-napi'];

rmSync(dist, { recursive: true, force: true });
mkdirSync(path.join(dist, 'renderer'), { recursive: true });

const common = { bundle: true, sourcemap: true, logLevel: 'warning', absWorkingDir: root, minify: production };

await Promise.all([
  build({
    ...common,
    entryPoints: { main: 'src-main/electron/main.ts', preload: 'src-main/electron/preload.ts' },
    outdir: path.join(dist, 'main'),
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nativeOrElectron,
  }),
  // The `barkeep` command line, which bin/barkeep.js runs while no source is newer (ESM: import.meta.url stays itself).
  build({
    ...common,
    entryPoints: { barkeep: 'src-main/cli/main.ts' },
    outdir: path.join(dist, 'cli'),
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: nativeOrElectron,
    // Bundled CommonJS packages (pg, zod's helpers) call require(): an ES module has none of its own.
    banner: { js: "import { createRequire as barkeepCreateRequire } from 'node:module'; const require = barkeepCreateRequire(import.meta.url);" },
  }),
  build({
    ...common,
    entryPoints: { app: 'src-renderer/main.tsx' },
    outdir: path.join(dist, 'renderer'),
    platform: 'browser',
    format: 'esm',
    target: 'chrome120',
    jsx: 'automatic',
    loader: { '.svg': 'dataurl', '.png': 'dataurl' },
    define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
  }),
]);
copyFileSync(path.join(root, 'src-renderer', 'index.html'), path.join(dist, 'renderer', 'index.html'));
if (!watch) console.log(`built dist/main (main.cjs, preload.cjs), dist/cli (barkeep.mjs) and dist/renderer in ${Math.round(performance.now())} ms`);
