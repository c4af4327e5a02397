// The helper's one logger: every line is a function of lines.ts with its severity, and
// a Log writes it. The daemon and `check --syslog` open one (open-log.ts: syslog, stderr, the journal);
// the monitor's log (src/helper/log/syslog-monitor-log.ts), the helper socket, metrics and recovery
// take it as a dependency, and tests pass their own.
import type { LogLine } from './lines.js';

export interface Log {
  /** Writes one line exactly as lines.ts formatted it. Never throws, never waits. */
  line(line: LogLine): void;
}
