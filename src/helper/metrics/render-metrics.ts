// The metrics, from the monitor's latest snapshot and the counters kept from its events. Pure: no probe,
// no I/O. Names follow Prometheus practice (base units, _seconds, _total, _info, a `mountstatus_` prefix);
// labels are stable facts about a mount, never error text, so a series keeps its identity while the
// mount's problem changes.
//
// Probe duration is a gauge per mount (the last finished probe), not a histogram: a histogram per mount
// costs one series per bucket per mount (12 buckets x 500 mounts = 6,000 series) for about one
// observation per mount per interval, which the gauge already shows exactly; a histogram without the
// mountpoint label would say that some mount is slow but not which.
import { MOUNT_STATES, type MountState, type MountStatus } from '../../common/mount.js';
import { isAnswered, isUnusable } from '../../common/state-classes.js';
import type { Snapshot } from '../../common/monitor-api.js';
import { label, renderFamilies, sample, type MetricFamily } from './exposition.js';
import { selectExportedMounts } from './metrics-exclusion.js';
import { fleetServerName, type ServerAliases } from './server-aliases.js';

export interface MetricsSettings {
  intervalSeconds: number;
  timeoutSeconds: number;
  /** metrics-exclude patterns. */
  exclude: readonly string[];
  /** metrics-max-mounts. */
  maxMounts: number;
  /** server-alias: the `server` label's one name per server across hosts. */
  serverAliases: ServerAliases;
}

export interface MetricsView {
  snapshot: Snapshot;
  /** Probes that hit the timeout (SIGKILL sent) since the daemon started. */
  timeouts: number;
  /** Probe errors since the daemon started, by mountpoint, then errno. */
  errors: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** When each unresponsive mount stopped answering (epoch ms), by mount id; else the state's since. */
  unresponsiveSince: ReadonlyMap<number, number>;
  settings: MetricsSettings;
}


const seconds = (ms: number) => ms / 1000;

export function renderMetrics(view: MetricsView): string {
  const { snapshot, settings } = view;
  const selected = selectExportedMounts(snapshot.mounts, settings.exclude, settings.maxMounts);
  const byState = new Map<MountState, number>(MOUNT_STATES.map((s) => [s, 0]));
  for (const m of snapshot.mounts) byState.set(m.state, (byState.get(m.state) ?? 0) + 1);

  const info: string[] = [];
  const state: string[] = [];
  const responsive: string[] = [];
  const since: string[] = [];
  const duration: string[] = [];
  const errors: string[] = [];
  const blocked: string[] = [];
  const watched: string[] = [];
  const automountDaemon: string[] = [];
  const nfs = { rtt: [] as string[], usualRtt: [] as string[], retransmissions: [] as string[], majorTimeouts: [] as string[], sends: [] as string[], replies: [] as string[], degrading: [] as string[] };
  // The state labels, escaped once for every mount.
  const stateLabels = MOUNT_STATES.map((st) => [st, ',' + label('state', st)] as const);
  for (const m of selected.mounts) {
    const mp = label('mountpoint', m.mountpoint);
    const mpType = `${mp},${label('fstype', m.fstype)}`;
    info.push(sample(`${mpType},${label('source', m.source)},${label('server', fleetServerName(m, settings.serverAliases))},${label('automount', m.automount?.role ?? '')}`, 1));
    for (const [st, stLabel] of stateLabels) state.push(sample(mp + stLabel, m.state === st ? 1 : 0));
    if (isUnresponsive(m)) {
      responsive.push(sample(mpType, 0));
      since.push(sample(mp, seconds(view.unresponsiveSince.get(m.mountId) ?? m.since)));
    } else if (isAnswered(m.state)) {
      responsive.push(sample(mpType, 1));
    }
    if (m.latencyMs !== undefined && Number.isFinite(m.latencyMs)) duration.push(sample(mp, seconds(m.latencyMs)));
    for (const [errno, n] of view.errors.get(m.mountpoint) ?? []) errors.push(sample(`${mp},${label('errno', errno)}`, n));
    // Only where the monitor counted them (slow, hung and stuck mounts): no sample is not a claimed 0.
    if (m.blocked) blocked.push(sample(mp, m.blocked.count));
    // Its own series, not an info label: the watched set changes as users log in and out.
    if (m.watched) watched.push(sample(`${mp},${label('reason', m.watched)}`, 1));
    if (m.automount?.role === 'trigger' && m.automount.daemonAlive !== undefined) automountDaemon.push(sample(mp, m.automount.daemonAlive ? 1 : 0));
    if (m.nfs) {
      const mpServer = `${mp},${label('server', fleetServerName(m, settings.serverAliases))}`;
      if (m.nfs.rttMs !== undefined) nfs.rtt.push(sample(mpServer, seconds(m.nfs.rttMs)));
      if (m.nfs.usualRttMs !== undefined) nfs.usualRtt.push(sample(mpServer, seconds(m.nfs.usualRttMs)));
      nfs.retransmissions.push(sample(mpServer, m.nfs.retransmissions));
      nfs.majorTimeouts.push(sample(mpServer, m.nfs.majorTimeouts));
      nfs.sends.push(sample(mpServer, m.nfs.sends));
      nfs.replies.push(sample(mpServer, m.nfs.replies));
      nfs.degrading.push(sample(mpServer, m.degrading ? 1 : 0));
    } else if (m.degrading) {
      // Other mounts are judged from their probes' latency: a sample only while an episode lasts.
      nfs.degrading.push(sample(`${mp},${label('server', fleetServerName(m, settings.serverAliases))}`, 1));
    }
  }

  const last = snapshot.lastSweep;
  const families: MetricFamily[] = [
    { name: 'mountstatus_build_info', type: 'gauge', help: 'The running helper: always 1, with its version.', samples: [sample(label('version', snapshot.identity.version), 1)] },
    { name: 'mountstatus_sweep_interval_seconds', type: 'gauge', help: 'Configured seconds between sweeps over every mount (interval).', samples: [sample('', settings.intervalSeconds)] },
    { name: 'mountstatus_probe_timeout_seconds', type: 'gauge', help: 'Configured seconds before a probe is killed and its mount reported hung (timeout).', samples: [sample('', settings.timeoutSeconds)] },
    { name: 'mountstatus_last_sweep_timestamp_seconds', type: 'gauge', help: 'When the last sweep finished (Unix time); absent until the first one has.', samples: last ? [sample('', seconds(last.finishedAt))] : [] },
    { name: 'mountstatus_sweep_duration_seconds', type: 'gauge', help: 'Wall time of the last sweep.', samples: last ? [sample('', last.seconds)] : [] },
    {
      name: 'mountstatus_mounts',
      type: 'gauge',
      help: 'Mounts in scope by state, including those left out of the per-mount series.',
      samples: MOUNT_STATES.map((st) => sample(label('state', st), byState.get(st) ?? 0)),
    },
    {
      name: 'mountstatus_omitted_mounts',
      type: 'gauge',
      help: 'Mounts in scope without per-mount series: matched by metrics-exclude, or beyond metrics-max-mounts.',
      samples: [
        sample(label('reason', 'excluded'), selected.excluded),
        sample(label('reason', 'limit'), selected.overLimit),
      ],
    },
    { name: 'mountstatus_stuck_probe_processes', type: 'gauge', help: 'Probes killed after the timeout that have not exited (their mounts are stuck).', samples: [sample('', byState.get('stuck') ?? 0)] },
    { name: 'mountstatus_probe_timeouts_total', type: 'counter', help: 'Probes that did not answer within the timeout and were sent SIGKILL.', samples: [sample('', view.timeouts)] },
    { name: 'mountstatus_probe_errors_total', type: 'counter', help: 'Probes that failed with an errno, by mount and errno.', samples: errors },
    { name: 'mountstatus_mount_info', type: 'gauge', help: 'One per exported mount: always 1, with its filesystem type, source, server and automount role.', samples: info },
    { name: 'mountstatus_mount_state', type: 'gauge', help: "1 for the mount's current state, 0 for the others.", samples: state },
    { name: 'mountstatus_mount_responsive', type: 'gauge', help: '1 when the last probe answered (ok, denied), 0 when slow, hung, stuck, failing or disconnected; absent when not probed (covered, idle, unknown).', samples: responsive },
    { name: 'mountstatus_mount_unresponsive_since_timestamp_seconds', type: 'gauge', help: 'When an unresponsive mount stopped answering (Unix time).', samples: since },
    { name: 'mountstatus_probe_duration_seconds', type: 'gauge', help: "Wall time of the mount's last finished probe (about the timeout when it was killed).", samples: duration },
    {
      name: 'mountstatus_mount_watched',
      type: 'gauge',
      help: 'One per mount in the watch tier (probed every watch-interval): reason "home" (the home of a logged-in user or a connected client) or "pattern" (a watch pattern).',
      samples: watched,
    },
    { name: 'mountstatus_blocked_processes', type: 'gauge', help: 'Processes waiting on a slow, hung or stuck mount.', samples: blocked },
    { name: 'mountstatus_automount_daemon_up', type: 'gauge', help: "1 when the automount daemon serving this autofs mount is alive, 0 when it is gone.", samples: automountDaemon },
    // NFS, from /proc/self/mountstats (docs/nfs-degrading.md). The counters are the kernel's since the mount.
    { name: 'mountstatus_nfs_rpc_rtt_seconds', type: 'gauge', help: 'Mean RPC round trip of the metadata operations an NFS mount completed between the last two reads that had any.', samples: nfs.rtt },
    { name: 'mountstatus_nfs_rpc_usual_rtt_seconds', type: 'gauge', help: "The NFS mount's usual value of that round trip (an average of its own well reads).", samples: nfs.usualRtt },
    { name: 'mountstatus_nfs_rpc_retransmissions_total', type: 'counter', help: 'RPC retransmissions of the NFS mount (transmissions beyond the first of completed requests).', samples: nfs.retransmissions },
    { name: 'mountstatus_nfs_rpc_major_timeouts_total', type: 'counter', help: "RPC major timeouts of the NFS mount (the kernel's \"server not responding\").", samples: nfs.majorTimeouts },
    { name: 'mountstatus_nfs_rpc_sends_total', type: 'counter', help: "RPC transmissions by the NFS mount's transports, retransmissions included: they move at once, where per-operation counters wait for completion.", samples: nfs.sends },
    { name: 'mountstatus_nfs_rpc_replies_total', type: 'counter', help: "Replies received by the NFS mount's transports: sends growing without them is an outage.", samples: nfs.replies },
    { name: 'mountstatus_mount_degrading', type: 'gauge', help: "A mount whose server answers far slower than its usual (1), or not (0): NFS mounts from their RPC counters, always present; others from their probes' latency, present while 1.", samples: nfs.degrading },
  ];
  return renderFamilies(families);
}

/** Mounts that were asked and did not answer in time, answered with an error, or were cut off: responsive 0. */
export function isUnresponsive(m: Pick<MountStatus, 'state'>): boolean {
  return isUnusable(m.state);
}
