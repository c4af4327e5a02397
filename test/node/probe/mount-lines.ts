// A MonitorLog that keeps what would have been logged against a mount: the prober's own failures
// (killed, wedged, starved) must leave it empty.
import { silentMonitorLog, type MonitorLog } from '../../../src/node/monitor/monitor-log.js';

/** A MonitorLog keeping what a mount's failure or recovery would have logged. */
export function mountLines(): { log: MonitorLog; lines: string[] } {
  const lines: string[] = [];
  const say = (what: string) => (...args: unknown[]) => void lines.push(`${what} ${args.join(' ')}`);
  const log: MonitorLog = {
    ...silentMonitorLog,
    timedOut: say('timedOut'),
    denied: say('denied'),
    failed: say('failed'),
    stuck: say('stuck'),
    released: say('released'),
    recovered: say('recovered'),
    serverDown: say('serverDown'),
    serverUp: say('serverUp'),
    tableUnreadable: say('tableUnreadable'),
  };
  return { log, lines };
}

