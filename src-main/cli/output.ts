/**
 * How the command line prints: aligned tables and key/value blocks on the
 * console, one JSON document with -f json, errors on stderr with their hint.
 */
import type { ErrorPayload } from '../../shared/errors';
import type { OutputFormat } from './args';

export interface Output {
  readonly format: OutputFormat;
  /** a listing: rows as a table on the console, the whole value as JSON */
  table(rows: readonly Record<string, unknown>[], columns: readonly { key: string; title: string }[], json?: unknown): void;
  /** a record: "key: value" lines on the console, the value as JSON */
  record(title: string, fields: readonly [string, unknown][], json?: unknown): void;
  /** a free line on the console only (nothing in JSON mode) */
  line(text?: string): void;
  json(value: unknown): void;
  error(payload: ErrorPayload): void;
  warn(text: string): void;
}

export function createOutput(format: OutputFormat, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  const write = (text: string): void => void stdout.write(`${text}\n`);
  return {
    format,
    table(rows, columns, json) {
      if (format === 'json') return write(JSON.stringify(json ?? rows, null, 2));
      const cells = rows.map((row) => columns.map((column) => display(row[column.key])));
      const widths = columns.map((column, index) => Math.max(column.title.length, ...cells.map((row) => row[index]!.length)));
      const render = (values: string[]): string => values.map((value, index) => value.padEnd(widths[index]!)).join('  ').trimEnd();
      write(render(columns.map((column) => column.title)));
      write(render(widths.map((width) => '-'.repeat(width))));
      for (const row of cells) write(render(row));
    },
    record(title, fields, json) {
      if (format === 'json') return write(JSON.stringify(json ?? Object.fromEntries(fields), null, 2));
      write(title);
      const width = Math.max(...fields.map(([key]) => key.length));
      for (const [key, value] of fields) write(`  ${`${key}:`.padEnd(width + 1)} ${display(value)}`);
    },
    line(text = '') {
      if (format === 'console') write(text);
    },
    json(value) {
      write(JSON.stringify(value, null, 2));
    },
    error(payload) {
      if (format === 'json') {
        stderr.write(`${JSON.stringify({ error: payload })}\n`);
        return;
      }
      stderr.write(`ERROR: ${payload.message}\n`);
      if (payload.hint) stderr.write(`HINT: ${payload.hint}\n`);
    },
    warn(text) {
      stderr.write(`WARNING: ${text}\n`);
    },
  };
}

function display(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}
