// Syslog severities and the one facility we log under. Numbers are RFC 5424 section 6.2.1 (and
// syslog(3)'s LOG_* values): PRI = facility * 8 + severity, so daemon.warning is <28>.

const Severity = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
} as const;

export type SeverityName = keyof typeof Severity;

/** LOG_DAEMON: "system daemons without separate facility value" (syslog(3)). */
const FACILITY_DAEMON = 3;

/** The ident (tag) every line carries: `MountStatusMonitor[PID]: ...`, as in the seed. */
export const IDENT = 'MountStatusMonitor';

export function pri(severity: SeverityName, facility = FACILITY_DAEMON): number {
  return facility * 8 + Severity[severity];
}
