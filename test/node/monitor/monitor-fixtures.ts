// A Monitor over a fake prober and a table the test sets, with a log that records its calls.
import { Monitor, type MonitorOptions } from '../../../src/node/monitor/monitor.js';
import type { MonitorLog } from '../../../src/node/monitor/monitor-log.js';
import type { MountEntry, ParsedMountTable } from '../../../src/common/mount.js';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import { FakeProber } from './fake-prober.js';

export function entry(mountId: number, mountpoint: string, fstype = 'tmpfs', source = 'tmpfs', parentId = 1): MountEntry {
  return { mountId, parentId, device: '0:1', root: '/', mountpoint, mountOptions: ['rw'], optionalFields: [], fstype, source, superOptions: ['rw'] };
}

export function recordingLog(): MonitorLog & { calls: string[] } {
  const calls: string[] = [];
  const rec = (name: string) => (...args: unknown[]) => void calls.push(`${name} ${args.map((a) => (typeof a === 'object' ? JSON.stringify(a) : String(a))).join(' ')}`);
  return {
    calls,
    sweepFinished: rec('sweepFinished'),
    timedOut: rec('timedOut'),
    slow: rec('slow'),
    blocked: rec('blocked'),
    denied: rec('denied'),
    failed: rec('failed'),
    stuck: rec('stuck'),
    released: rec('released'),
    recovered: rec('recovered'),
    serverDown: rec('serverDown'),
    serverUp: rec('serverUp'),
    kernelSignal: rec('kernelSignal'),
    degrading: rec('degrading'),
    degradingOver: rec('degradingOver'),
    automountDaemon: rec('automountDaemon'),
    disconnectedServerBack: rec('disconnectedServerBack'),
    proberLost: rec('proberLost'),
    proberSaid: rec('proberSaid'),
    proberMismatch: rec('proberMismatch'),
    tableProblem: rec('tableProblem'),
    tableUnreadable: rec('tableUnreadable'),
  };
}

export function setup(entries: MountEntry[], extra: Partial<MonitorOptions> = {}) {
  const prober = new FakeProber();
  const log = recordingLog();
  let table: ParsedMountTable = { entries, problems: [] };
  const monitor = new Monitor({
    intervalSeconds: 60,
    timeoutSeconds: 5,
    include: [],
    exclude: [],
    mode: 'system',
    prober,
    log,
    readMountTable: async () => table,
    ...extra,
  });
  const events: MonitorEvent[] = [];
  monitor.onChange((e) => events.push(e));
  return { prober, log, monitor, events, setTable: (t: ParsedMountTable) => (table = t) };
}

