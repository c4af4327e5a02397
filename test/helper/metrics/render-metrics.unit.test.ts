// The metrics from a snapshot: which series each state gives, stable labels, the per-mount exclusion and
// cap, one series per mountpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountStatus } from '../../../src/common/mount.js';
import { MOUNT_STATES } from '../../../src/common/mount.js';
import { renderMetrics, type MetricsView } from '../../../src/helper/metrics/render-metrics.js';
import { DEFAULT_METRICS_EXCLUDE, addMetricsExclude, parseMetricsMaxMounts, selectExportedMounts } from '../../../src/helper/metrics/metrics-exclusion.js';
import { SettingsError } from '../../../src/node/config/settings.js';

let nextId = 100;
function mount(mountpoint: string, fields: Partial<MountStatus> = {}): MountStatus {
  return { mountpoint, source: 'srv:/x', fstype: 'nfs4', mountId: nextId++, state: 'ok', since: 1_700_000_000_000, ...fields };
}

function view(mounts: MountStatus[], over: Partial<MetricsView> = {}): MetricsView {
  return {
    snapshot: { identity: { mode: 'system', privileged: true, pid: 1, version: '1.2.3' }, lastSweep: { checked: mounts.length, dead: 0, seconds: 0.25, finishedAt: 1_700_000_060_500 }, mounts },
    timeouts: 0,
    errors: new Map(),
    unresponsiveSince: new Map(),
    settings: { intervalSeconds: 60, timeoutSeconds: 10, exclude: [], maxMounts: 500, serverAliases: new Map() },
    ...over,
  };
}

const lines = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));

test('responsive: 1 for an answer, 0 for slow, hung, stuck, error and disconnected, no sample without a probe', () => {
  const text = renderMetrics(view(MOUNT_STATES.map((state) => mount(`/m/${state}`, { state }))));
  assert.deepEqual(lines(text, 'mountstatus_mount_responsive'), [
    'mountstatus_mount_responsive{mountpoint="/m/ok",fstype="nfs4"} 1',
    'mountstatus_mount_responsive{mountpoint="/m/slow",fstype="nfs4"} 0',
    'mountstatus_mount_responsive{mountpoint="/m/hung",fstype="nfs4"} 0',
    'mountstatus_mount_responsive{mountpoint="/m/error",fstype="nfs4"} 0',
    'mountstatus_mount_responsive{mountpoint="/m/denied",fstype="nfs4"} 1',
    'mountstatus_mount_responsive{mountpoint="/m/stuck",fstype="nfs4"} 0',
    'mountstatus_mount_responsive{mountpoint="/m/disconnected",fstype="nfs4"} 0',
  ]);
  assert.deepEqual(
    lines(text, 'mountstatus_mount_state').filter((l) => l.includes('"/m/slow"')),
    MOUNT_STATES.map((s) => `mountstatus_mount_state{mountpoint="/m/slow",state="${s}"} ${s === 'slow' ? 1 : 0}`),
    'one series per state, 1 for the current one',
  );
  assert.deepEqual(lines(text, 'mountstatus_mounts'), MOUNT_STATES.map((s) => `mountstatus_mounts{state="${s}"} 1`));
  assert.deepEqual(lines(text, 'mountstatus_stuck_probe_processes'), ['mountstatus_stuck_probe_processes 1']);
});

test('host series: build, settings, last sweep, counters; absent sweep series before the first sweep', () => {
  const v = view([mount('/a', { state: 'error', errno: 'EIO', message: 'Input/output error: changes every time' })], {
    timeouts: 7,
    errors: new Map([['/a', new Map([['EIO', 3], ['ESTALE', 1]])], ['/gone', new Map([['EIO', 9]])]]),
  });
  const text = renderMetrics(v);
  for (const l of [
    'mountstatus_build_info{version="1.2.3"} 1',
    'mountstatus_sweep_interval_seconds 60',
    'mountstatus_probe_timeout_seconds 10',
    'mountstatus_last_sweep_timestamp_seconds 1700000060.5',
    'mountstatus_sweep_duration_seconds 0.25',
    'mountstatus_probe_timeouts_total 7',
    'mountstatus_probe_errors_total{mountpoint="/a",errno="EIO"} 3',
    'mountstatus_probe_errors_total{mountpoint="/a",errno="ESTALE"} 1',
    '# TYPE mountstatus_probe_errors_total counter',
  ]) assert.ok(text.split('\n').includes(l), l);
  assert.doesNotMatch(text, /changes every time|\/gone/, 'no error text in a label; counters only for exported mounts');
  const { lastSweep: _none, ...first } = v.snapshot;
  const before = renderMetrics({ ...v, snapshot: first });
  assert.doesNotMatch(before, /mountstatus_last_sweep_timestamp_seconds|mountstatus_sweep_duration_seconds/);
});

test('per-mount facts: info labels, episode start, last probe, blocked only where counted, automount daemon', () => {
  const hung = mount('/home', { state: 'hung', since: 1_700_000_050_000, latencyMs: 10_002.5, server: 'nfs1', blocked: { count: 4, processes: [] } });
  const trigger = mount('/net', { fstype: 'autofs', source: '/etc/auto.net', state: 'idle', automount: { role: 'trigger', daemonAlive: false } });
  const unknownDaemon = mount('/misc', { fstype: 'autofs', source: '/etc/auto.misc', state: 'idle', automount: { role: 'trigger' } });
  const fine = mount('/srv', { latencyMs: 1.5 });
  const text = renderMetrics(view([hung, trigger, unknownDaemon, fine], { unresponsiveSince: new Map([[hung.mountId, 1_700_000_040_000]]) }));
  assert.ok(text.includes('mountstatus_mount_info{mountpoint="/home",fstype="nfs4",source="srv:/x",server="nfs1",automount=""} 1\n'));
  assert.ok(text.includes('mountstatus_mount_info{mountpoint="/net",fstype="autofs",source="/etc/auto.net",server="",automount="trigger"} 1\n'));
  assert.deepEqual(lines(text, 'mountstatus_mount_unresponsive_since_timestamp_seconds'), ['mountstatus_mount_unresponsive_since_timestamp_seconds{mountpoint="/home"} 1700000040'], 'the episode start, not the hung state\'s own since');
  assert.deepEqual(lines(text, 'mountstatus_probe_duration_seconds'), ['mountstatus_probe_duration_seconds{mountpoint="/home"} 10.0025', 'mountstatus_probe_duration_seconds{mountpoint="/srv"} 0.0015']);
  assert.deepEqual(lines(text, 'mountstatus_blocked_processes'), ['mountstatus_blocked_processes{mountpoint="/home"} 4']);
  assert.deepEqual(lines(text, 'mountstatus_automount_daemon_up'), ['mountstatus_automount_daemon_up{mountpoint="/net"} 0']);
});

test('default exclusion: pod secrets, subPaths and container rootfs/shm out; pod NFS and CSI volumes, and the host\'s own, in', () => {
  const pod = '/var/lib/kubelet/pods/0a1b-uid';
  const out = [
    `${pod}/volumes/kubernetes.io~secret/default-token`,
    `${pod}/volumes/kubernetes.io~projected/kube-api-access-x`,
    `${pod}/volumes/kubernetes.io~empty-dir/cache`,
    `${pod}/volume-subpaths/data/app/0`,
    '/run/containerd/io.containerd.runtime.v2.task/k8s.io/4f3e/rootfs',
    '/run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/4f3e/rootfs',
    '/run/containerd/io.containerd.grpc.v1.cri/sandboxes/9a8b/shm',
    '/var/lib/docker/overlay2/abc/merged',
    '/var/lib/docker/containers/abc/mounts/shm',
    '/var/lib/containers/storage/overlay/abc/merged',
    '/run/containers/storage/overlay-containers/abc/userdata/shm',
    '/var/snap/microk8s/common/var/lib/kubelet/pods/u/volumes/kubernetes.io~secret/t',
  ];
  const kept = [`${pod}/volumes/kubernetes.io~nfs/shared`, `${pod}/volumes/kubernetes.io~csi/pv-1/mount`, '/var/lib/kubelet/plugins/kubernetes.io/csi/nfs.csi.k8s.io/abc/globalmount', '/var/lib/docker/volumes/data/_data', '/', '/home', '/var/lib/docker'];
  const r = selectExportedMounts([...out, ...kept].map((p) => mount(p)), DEFAULT_METRICS_EXCLUDE, 500);
  assert.deepEqual(r.mounts.map((m) => m.mountpoint), kept);
  assert.equal(r.excluded, out.length);
});

test('the cap keeps mounts in trouble first, then table order; counts the rest; one series per stacked path', () => {
  const all = [mount('/a'), mount('/b'), mount('/c', { state: 'covered' }), mount('/c'), mount('/d'), mount('/e', { state: 'hung' }), mount('/f', { state: 'slow' })];
  const r = selectExportedMounts(all, ['/d'], 3);
  assert.deepEqual(r.mounts.map((m) => `${m.mountpoint}:${m.state}`), ['/a:ok', '/e:hung', '/f:slow']);
  assert.deepEqual([r.excluded, r.overLimit], [1, 2]);
  const unlimited = selectExportedMounts(all, [], 500);
  assert.deepEqual(unlimited.mounts.map((m) => `${m.mountpoint}:${m.state}`), ['/a:ok', '/b:ok', '/c:ok', '/d:ok', '/e:hung', '/f:slow'], 'the top of /c only, in its own place');
  const text = renderMetrics(view(all, { settings: { intervalSeconds: 60, timeoutSeconds: 10, exclude: ['/d'], maxMounts: 3, serverAliases: new Map() } }));
  assert.deepEqual(lines(text, 'mountstatus_omitted_mounts'), ['mountstatus_omitted_mounts{reason="excluded"} 1', 'mountstatus_omitted_mounts{reason="limit"} 2']);
  assert.ok(text.includes('mountstatus_mounts{state="ok"} 4\n'), 'every mount counted by state, exported or not');
  assert.equal(renderMetrics(view(all, { settings: { intervalSeconds: 60, timeoutSeconds: 10, exclude: [], maxMounts: 0, serverAliases: new Map() } })).includes('mountstatus_mount_info'), false, 'max 0: host series only');
});

test('metrics-exclude values add to the defaults; "none" empties the list; the cap is a whole number', () => {
  assert.deepEqual(addMetricsExclude(undefined, ['/x']), [...DEFAULT_METRICS_EXCLUDE, '/x']);
  assert.deepEqual(addMetricsExclude(undefined, ['none', '/y']), ['/y']);
  assert.deepEqual(addMetricsExclude(['/a'], ['fstype:tmpfs']), ['/a', 'fstype:tmpfs']);
  assert.equal(parseMetricsMaxMounts('0', 'x'), 0);
  assert.equal(parseMetricsMaxMounts(' 250 ', 'x'), 250);
  for (const bad of ['-1', '1.5', '', 'many', '1e3', '2000000']) assert.throws(() => parseMetricsMaxMounts(bad, 'f:2'), (e: Error) => e instanceof SettingsError && /^f:2: expected a whole number/.test(e.message), bad);
});

test('rendering 1,000 mounts (500 exported): time and size', () => {
  const mounts = Array.from({ length: 1000 }, (_, i) => mount(`/srv/exports/volume-${i}`, { latencyMs: 1.25, fstype: 'tmpfs' }));
  const v = view(mounts);
  let ms = Infinity;
  let bytes = 0;
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    bytes = renderMetrics(v).length;
    ms = Math.min(ms, performance.now() - t);
  }
  console.log(`# renderMetrics, 1,000 mounts, 500 exported: ${bytes} bytes in ${ms.toFixed(1)} ms (best of 10)`);
  assert.ok(bytes > 500 * 9 * 50);
});

test('NFS: round trip against the usual, retransmissions, sends and replies, degrading, per mount and server; other mounts only degrading, while they are', () => {
  const nfs = { ops: 120, retransmissions: 14, majorTimeouts: 1, avgBacklog: 0, sends: 150, replies: 134, rttMs: 210, usualRttMs: 0.4 };
  const text = renderMetrics(
    view([
      mount('/home', { source: 'nfs1:/export/home', server: 'nfs1', nfs, degrading: { reason: 'RPC round trip 210 ms, usually 0.4 ms', since: 1 } }),
      mount('/data', { source: 'nfs1:/export/data', server: 'nfs1', nfs: { ...nfs, rttMs: undefined, usualRttMs: undefined } }),
      mount('/', { fstype: 'ext4', source: '/dev/sda1' }),
      mount('/srv/box', { fstype: 'fuse.sshfs', source: 'box:/', server: 'box', degrading: { reason: 'probes answered in 620 ms, usually 2 ms', since: 1 } }),
    ]),
  );
  assert.deepEqual(lines(text, 'mountstatus_nfs_rpc_rtt_seconds'), ['mountstatus_nfs_rpc_rtt_seconds{mountpoint="/home",server="nfs1"} 0.21']);
  assert.deepEqual(lines(text, 'mountstatus_nfs_rpc_usual_rtt_seconds'), ['mountstatus_nfs_rpc_usual_rtt_seconds{mountpoint="/home",server="nfs1"} 0.0004']);
  assert.deepEqual(lines(text, 'mountstatus_nfs_rpc_retransmissions_total'), [
    'mountstatus_nfs_rpc_retransmissions_total{mountpoint="/home",server="nfs1"} 14',
    'mountstatus_nfs_rpc_retransmissions_total{mountpoint="/data",server="nfs1"} 14',
  ]);
  assert.equal(lines(text, 'mountstatus_nfs_rpc_sends_total')[0], 'mountstatus_nfs_rpc_sends_total{mountpoint="/home",server="nfs1"} 150');
  assert.equal(lines(text, 'mountstatus_nfs_rpc_replies_total')[0], 'mountstatus_nfs_rpc_replies_total{mountpoint="/home",server="nfs1"} 134');
  assert.equal(lines(text, 'mountstatus_nfs_rpc_major_timeouts_total').length, 2);
  assert.deepEqual(lines(text, 'mountstatus_mount_degrading'), [
    'mountstatus_mount_degrading{mountpoint="/home",server="nfs1"} 1',
    'mountstatus_mount_degrading{mountpoint="/data",server="nfs1"} 0',
    'mountstatus_mount_degrading{mountpoint="/srv/box",server="box"} 1',
  ]);
  assert.equal(lines(text, 'mountstatus_nfs_rpc_sends_total').length, 2, 'no NFS counters for it');
});
