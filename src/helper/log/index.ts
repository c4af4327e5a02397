// The helper's logging, in one import for the daemon and the CLI.
export { createSyslog, type SyslogLog, type SyslogOptions } from './create-syslog.js';
export { createMemoryLog, formatFields, type Log, type LogFields, type MemoryLog } from './log.js';
export * as lines from './lines.js';
export type { LogLine } from './lines.js';
export { escapeLogText } from './escape.js';
export { Severity, IDENT, FACILITY_DAEMON, type SeverityName } from './severity.js';
export type { SyslogStats, SyslogState } from './syslog-writer.js';
export type { StderrFormat } from './stderr-sink.js';
