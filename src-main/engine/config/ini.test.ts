import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../../shared/errors';
import { formatIniOption, parseIni, resolveSection } from './ini';

/** Every section's interpolated values, as configparser's items(section) would give them. */
function read(text: string, vars: Record<string, string> = {}): Record<string, Record<string, string>> {
  const document = parseIni(text, '/etc/barman.conf');
  const result: Record<string, Record<string, string>> = {};
  for (const section of document.sections) {
    const resolved = resolveSection(section.options, document.defaults, section.name, vars);
    result[section.name] = Object.fromEntries([...resolved].map(([name, option]) => [name, option.value]));
  }
  return result;
}

function assertConfigInvalid(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'config-invalid');
    assert.equal(error.message, message);
    return true;
  });
}

test('reads a Barman global section with both separators, comments and case-insensitive keys', () => {
  const text = [
    '; Barman, Backup and Recovery Manager for PostgreSQL',
    '[barman]',
    '# Main directory',
    'barman_home = /var/lib/barman',
    '  ; an indented comment is still a comment',
    'Barman_User: barman',
    'log_file = /var/log/barman/barman.log  ; not an inline comment',
    'compression=gzip',
    'url = http://x/?a=b:c',
  ].join('\n');
  assert.deepEqual(read(text), {
    barman: {
      barman_home: '/var/lib/barman',
      barman_user: 'barman',
      log_file: '/var/log/barman/barman.log  ; not an inline comment',
      compression: 'gzip',
      url: 'http://x/?a=b:c',
    },
  });
});

test('joins continuation lines, keeps inner blank lines, drops comments and trailing blank lines', () => {
  const text = [
    '[pg]',
    'description = "PostgreSQL Database',
    '    (via streaming)"',
    '',
    '\tthird line',
    '    # a comment inside the value is dropped',
    '',
    '',
    'conninfo = host=pg user=barman',
    'empty =',
    '  starts on the next line',
  ].join('\n');
  assert.deepEqual(read(text).pg, {
    description: '"PostgreSQL Database\n(via streaming)"\n\nthird line',
    conninfo: 'host=pg user=barman',
    empty: '\nstarts on the next line',
  });
});

test('a continuation must be indented deeper than its key line', () => {
  const text = '[pg]\n  conninfo = host=pg\n      port=5433\n  slot_name = barman\n';
  assert.deepEqual(read(text).pg, { conninfo: 'host=pg\nport=5433', slot_name: 'barman' });
});

test('reads \\r\\n line ends and a byte order mark', () => {
  assert.deepEqual(read('\uFEFF[pg]\r\nconninfo = host=pg\r\n  port=5432\r\n'), { pg: { conninfo: 'host=pg\nport=5432' } });
});

test('interpolates %(name)s from the section, then [DEFAULT], recursively and case-insensitively', () => {
  const text = [
    '[DEFAULT]',
    'pghost = pg.example.com',
    'conninfo = host=%(pghost)s user=barman',
    '[main]',
    'backup_directory = %(root)s/%(Name)s',
    'root = /srv/%(pghost)s',
    'name = main',
    '[standby]',
    'pghost = standby.example.com',
  ].join('\n');
  assert.deepEqual(read(text), {
    main: {
      backup_directory: '/srv/pg.example.com/main',
      root: '/srv/pg.example.com',
      name: 'main',
      pghost: 'pg.example.com',
      conninfo: 'host=pg.example.com user=barman',
    },
    standby: { pghost: 'standby.example.com', conninfo: 'host=standby.example.com user=barman' },
  });
});

test('vars win over the section, as configparser get(vars=…) does', () => {
  const text = '[pg]\nname = other\nbackup_directory = %(barman_home)s/%(name)s\n';
  assert.equal(read(text, { name: 'pg', barman_home: '/var/lib/barman' }).pg?.backup_directory, '/var/lib/barman/pg');
});

test('%% is a literal percent sign, also inside a referenced value', () => {
  const text = '[pg]\nconninfo = password=50%%off\ncopy = %(conninfo)s!\n';
  assert.deepEqual(read(text).pg, { conninfo: 'password=50%off', copy: 'password=50%off!' });
});

test('interpolation errors name file, line and option', () => {
  assertConfigInvalid(() => read('[pg]\n\nconninfo = password=50%off\n'),
    "/etc/barman.conf:3: option 'conninfo': '%' must be followed by '%' or '(', found '%off'");
  assertConfigInvalid(() => read('[pg]\nbackup_directory = %(home)s/pg\n'),
    "/etc/barman.conf:2: option 'backup_directory': interpolation refers to 'home', which is not set in [pg] or [DEFAULT]");
  assertConfigInvalid(() => read('[pg]\na = %(b)s\nb = %(a)s\n'),
    "/etc/barman.conf:2: option 'a': interpolation deeper than 10 levels (do %(…)s references form a loop?)");
  assertConfigInvalid(() => read('[pg]\njobs = %(n)d\nn = 2\n'),
    "/etc/barman.conf:2: option 'jobs': bad interpolation reference '%(n)d'");
});

test('ten levels of references resolve; eleven are too deep', () => {
  const chain = (levels: number) =>
    '[pg]\n' + Array.from({ length: levels - 1 }, (_, i) => `a${i + 1} = %(a${i + 2})s\n`).join('') + `a${levels} = end%%\n`;
  assert.equal(read(chain(10)).pg?.a1, 'end%');
  assert.throws(() => read(chain(11)), /interpolation deeper than 10 levels/);
});

test('an error in an inherited [DEFAULT] value points at the [DEFAULT] line', () => {
  assertConfigInvalid(() => read('[DEFAULT]\nssh_command = ssh %(user)s@pg\n[pg]\nconninfo = host=pg\n'),
    "/etc/barman.conf:2: option 'ssh_command': interpolation refers to 'user', which is not set in [pg] or [DEFAULT]");
});

test('strict: a section or an option defined twice in one file is an error', () => {
  assertConfigInvalid(() => parseIni('[pg]\nconninfo = a\n\n[pg]\nslot_name = b\n', 'pg.conf'),
    'pg.conf:4: section [pg] is defined twice (first at line 1)');
  assertConfigInvalid(() => parseIni('[pg]\nconninfo = a\nConninfo: b\n', 'pg.conf'),
    "pg.conf:3: option 'conninfo' is set twice in section [pg] (first at line 2)");
  assertConfigInvalid(() => parseIni('[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n', 'pg.conf'),
    "pg.conf:4: option 'a' is set twice in section [DEFAULT] (first at line 2)");
});

test('a line outside any section or without a separator is an error', () => {
  assertConfigInvalid(() => parseIni('# header\nbarman_home = /var/lib/barman\n[barman]\n', 'barman.conf'),
    "barman.conf:2: line 'barman_home = /var/lib/barman' is outside any section");
  assertConfigInvalid(() => parseIni('[barman]\nbarman_home\n', 'barman.conf'),
    "barman.conf:2: cannot parse line 'barman_home'");
  assertConfigInvalid(() => parseIni('[barman]\n= /var/lib/barman\n', 'barman.conf'),
    "barman.conf:2: cannot parse line '= /var/lib/barman'");
});

test('keeps the line of every section and option; [DEFAULT] may appear twice', () => {
  const document = parseIni('[DEFAULT]\na = 1\n\n[pg]\n\nconninfo = host=pg\n  port=5432\n[DEFAULT]\nb = 2\n', 'pg.conf');
  assert.deepEqual([...document.defaults.values()].map((option) => [option.name, option.line]), [['a', 2], ['b', 9]]);
  assert.equal(document.sections[0]?.line, 4);
  assert.equal(document.sections[0]?.options.get('conninfo')?.line, 6);
  const resolved = resolveSection(document.sections[0]!.options, document.defaults, 'pg');
  assert.equal(resolved.get('a')?.inherited, true);
  assert.equal(resolved.get('conninfo')?.inherited, false);
});

test('a section header takes the text up to its last ] and ignores what follows', () => {
  assert.deepEqual(Object.keys(read('[pg] old server\nk = v\n[a]b]\nk = w\n')), ['pg', 'a]b']);
});

test('formatIniOption writes text that reads back unchanged', () => {
  const value = 'password=50%off %(x)s\nsecond line\n\nfourth';
  const text = `[pg]\n${formatIniOption('description', value)}\nnext = 1\n`;
  assert.equal(read(text).pg?.description, value);
});
