// Builds a Monitor from Settings with the real parts: the native prober, the system mount table,
// and whatever log the caller wants. Used by `check`, `daemon` and the app's embedded monitor.
import type { MonitorIdentity } from '../common/monitor-api.js';
import { Monitor, type MonitorOptions } from './monitor/monitor.js';
import { silentMonitorLog, type MonitorLog } from './monitor/monitor-log.js';
import { createPlanRefiner, descendantsOf } from './monitor/plan-refiners.js';
import type { Prober } from './probe/prober.js';
import type { Settings } from './config/settings.js';
import { createProber } from './probe/create-prober.js';
import { createMountTableReader } from './mount-table/read-mount-table.js';
import { scanBlocked } from './passive/blocked-processes.js';
import { readMountstats } from './passive/mountstats-reader.js';
import { VERSION } from './version.js';

export function createMonitor(settings: Settings, mode: MonitorIdentity['mode'], log?: MonitorLog): Monitor {
  const monitorLog = log ?? silentMonitorLog;
  let prober: Prober | undefined;
  return new Monitor({
    refinePlan: createPlanRefiner(() => monitorLog, () => probePids(prober)),
    ...monitorSettings(settings),
    mode,
    ...(log ? { log } : {}),
    // What happens to the prober (lost, refused for its version) and what it says: the log says so.
    createProber: () =>
      (prober = createProber({
        native: {
          onProberLost: (e) => monitorLog.proberLost(e),
          onProberSaid: (e) => monitorLog.proberSaid(e),
          onMismatch: (e) => monitorLog.proberMismatch(e),
        },
      })),
    readMountTable: createMountTableReader(),
    readMountstats,
    scanBlocked: (entries, targets) => scanBlocked({ entries, targets, excludePids: probePids(prober) }),
    version: VERSION,
  });
}

/** What the monitor takes from the settings: at start, and again on each reload (SIGHUP). */
export function monitorSettings(settings: Settings): Pick<MonitorOptions, 'intervalSeconds' | 'timeoutSeconds' | 'watchIntervalSeconds' | 'slowAfterSeconds' | 'watch' | 'include' | 'exclude'> {
  const { intervalSeconds, timeoutSeconds, watchIntervalSeconds, slowAfterSeconds, watch, include, exclude } = settings;
  return { intervalSeconds, timeoutSeconds, watchIntervalSeconds, slowAfterSeconds, watch, include, exclude };
}

/** Our probe children: the native prober's descendants, or the node prober's own children. */
function probePids(prober: Prober | undefined): number[] {
  if (!prober) return [];
  const proberPid = (prober as { proberPid?: number }).proberPid;
  if (proberPid !== undefined) return descendantsOf(proberPid);
  return prober.probePids?.() ?? [];
}
