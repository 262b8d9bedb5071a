// Lint: typescript-eslint's recommended rules plus Barkeep's layer boundaries
// (tools/eslint-boundaries.js): the engine never reaches electron, host or cli;
// the renderer never reaches src-main or node; shared imports neither side.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import barkeep from './tools/eslint-boundaries.js';

const zones = [
  {
    from: 'src-main/engine',
    forbidFolders: ['src-main/electron', 'src-main/host', 'src-main/cli', 'src-renderer'],
    forbidPackages: ['electron', 'react', 'react-dom', 'zustand'],
    reason: 'the engine is plain Node, shared by every door (DESIGN.md: three doors, one engine)',
  },
  {
    from: 'src-main/host',
    forbidFolders: ['src-main/electron', 'src-main/cli', 'src-renderer'],
    forbidPackages: ['electron'],
    reason: 'the serve host runs without Electron',
  },
  {
    from: 'src-main/cli',
    forbidFolders: ['src-main/electron', 'src-renderer'],
    forbidPackages: ['electron'],
    reason: 'the command line runs under plain Node',
  },
  {
    from: 'src-renderer',
    forbidFolders: ['src-main', 'test', 'bench'],
    forbidPackages: ['electron', 'pg', 'ssh2', 'better-sqlite3', 'ws'],
    forbidNodeBuiltins: true,
    reason: 'the renderer talks to the engine only through the typed contract in shared/',
  },
  {
    from: 'shared',
    forbidFolders: ['src-main', 'src-renderer', 'test', 'bench'],
    forbidPackages: ['electron', 'react', 'react-dom', 'zustand', 'pg', 'ssh2', 'better-sqlite3', 'ws'],
    forbidNodeBuiltins: true,
    reason: 'shared holds types and schemas only, importable by both sides',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { barkeep },
    rules: {
      'barkeep/boundaries': ['error', { zones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Unit tests beside renderer and shared code run under node's test runner.
    files: ['src-renderer/**/*.test.ts', 'shared/**/*.test.ts'],
    rules: {
      'barkeep/boundaries': ['error', { zones: zones.map((zone) => ({ ...zone, forbidNodeBuiltins: false, forbidFolders: zone.forbidFolders.filter((folder) => folder !== 'test') })) }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/consistent-type-imports': 'off' },
  },
);
