// The one logger interface the helper uses (STYLE.md item 7): levels plus key/value fields, and
// line() for the exact lines of lines.ts. Daemon, sweep and probe code take a Log as a dependency;
// tests pass createMemoryLog() instead of a real syslog.
import { escapeControlChars } from './escape.js';
import type { LogLine } from './lines.js';
import { Severity, type SeverityName } from './severity.js';

export type LogFieldValue = string | number | boolean | undefined | null;
export type LogFields = Readonly<Record<string, LogFieldValue>>;

export interface Log {
  /** Writes a line from lines.ts exactly as formatted (no fields are ever appended to these). */
  line(line: LogLine): void;
  error(message: string, fields?: LogFields): void;
  warning(message: string, fields?: LogFields): void;
  notice(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

const PLAIN_VALUE = /^[^\s"=\\]*$/;

/**
 * Fields appended to a free-text message as ` key=value`, in the caller's order; undefined values are
 * left out; a value with spaces, quotes, '=' or backslashes is JSON-quoted (`path="/mnt/a b"`), so
 * `key=value` pairs can be split back apart. Control characters are escaped later with the whole line.
 */
export function formatFields(fields: LogFields | undefined): string {
  if (fields === undefined) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    out += ` ${key}=${text !== '' && PLAIN_VALUE.test(text) ? text : JSON.stringify(text)}`;
  }
  return out;
}

/** Builds a Log from one sink taking finished lines; every level method is message + fields. */
export function logFromSink(sink: (line: LogLine) => void): Log {
  const at = (severity: SeverityName) => (message: string, fields?: LogFields) =>
    sink({ severity, text: escapeControlChars(message + formatFields(fields)) });
  return {
    line: sink,
    error: at('err'),
    warning: at('warning'),
    notice: at('notice'),
    info: at('info'),
    debug: at('debug'),
  };
}

/** True when a line of this severity passes a threshold ("info" lets emerg..info through). */
export function passes(severity: SeverityName, threshold: SeverityName): boolean {
  return Severity[severity] <= Severity[threshold];
}

export interface MemoryLog extends Log {
  readonly lines: LogLine[];
}

/** A Log that records lines in memory: the fake for unit tests of code that logs. */
export function createMemoryLog(): MemoryLog {
  const lines: LogLine[] = [];
  return Object.assign(logFromSink((l) => lines.push(l)), { lines });
}
