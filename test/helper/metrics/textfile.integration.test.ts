// `mountstatus daemon --metrics-textfile` read by Debian's node_exporter (textfile collector only), on a
// host with 1,000 mounts, a frozen FUSE mount and Kubernetes-style pod mounts: the file is replaced
// atomically (a reader polling it never sees half a file) and coalesced (a couple of writes per sweep,
// not one per mount event); the cap keeps 500 mounts, the frozen one among them, and counts the rest;
// the default exclusion drops a pod's secret tmpfs but keeps its CSI volume; node_exporter serves it all
// without a parse error, and `promtool check metrics` is silent about the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { makeTempRoot, mountTmpfs } from '../../support/mounts.js';
import { fuseFixtureUnavailable, startFuseFixture } from '../../support/fuse-fixture.js';
import { prometheusUnavailable, promtoolCheckMetrics, startNodeExporter } from '../../support/prometheus.js';
import { DaemonProcess } from '../cli/cli-harness.js';
import { MOUNT_STATES } from '../../../src/common/mount.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? (prometheusUnavailable() ?? fuseFixtureUnavailable()) : ns.reason);
const cleanups = cleanupsAfter();

const MOUNTS = 1000;

/** `name{...mountpoint="path"...} value` lines of one metric, from an exposition text. */
function samplesFor(text: string, name: string, mountpoint?: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) && (mountpoint === undefined || l.includes(`mountpoint="${mountpoint}"`)));
}

test('textfile for node_exporter at 1,000 mounts: atomic, coalesced, capped, pod mounts excluded, served without error', { skip, timeout: 180_000 }, async () => {
  const root = makeTempRoot('metrics-textfile-', '256m');
  cleanups.push(() => root.cleanup());
  const pod = root.join('var/lib/kubelet/pods/0a1b2c3d-uid/volumes');
  spawnSync('mkdir', ['-p', `${pod}/kubernetes.io~secret`, `${pod}/kubernetes.io~csi/pv-data`]);
  const secret = mountTmpfs(`${pod}/kubernetes.io~secret/token`);
  const csi = mountTmpfs(`${pod}/kubernetes.io~csi/pv-data/mount`);
  const made = spawnSync('sh', ['-c', `mkdir "$1/m" && for i in $(seq 1 ${MOUNTS}); do mkdir "$1/m/$i" && mount -t tmpfs -o size=64k msm-test "$1/m/$i" || exit 1; done`, 'sh', root.path]);
  assert.equal(made.status, 0, String(made.stderr));
  const frozen = await startFuseFixture(root.join('zz-frozen')); // last in the table: beyond the cap unless in trouble first
  cleanups.push(() => frozen.stop());
  await frozen.freeze();

  const dir = mkdtempSync(join(tmpdir(), 'metrics-textfile-dir-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'mountstatus.prom');
  const daemon = new DaemonProcess(['--interval', '2', '--timeout', '1', '--include', `${root.path}/**`, '--socket', '', '--no-syslog', '--metrics-textfile', file]);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked \d+ mounts in \d+ seconds: 1 dead/, 30_000);
  const checked = Number(/Checked (\d+) mounts/.exec(daemon.stderr)![1]);
  assert.equal(checked, MOUNTS + 4, 'the temp root, the two pod mounts, 1,000, the frozen one');

  // Watch the directory for replacements and read the file as fast as we can, for a few sweeps.
  let renames = 0;
  const watcher = watch(dir, (_event, name) => {
    if (name === 'mountstatus.prom') renames++;
  });
  const sweepsBefore = daemon.count(/Checked \d+ mounts/);
  let reads = 0;
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const text = readFileSync(file, 'utf8');
    reads++;
    assert.ok(text.endsWith('\n') && text.startsWith('# HELP mountstatus_build_info'), `read ${reads}: a whole file`);
    assert.equal(samplesFor(text, 'mountstatus_mount_info').length, 500, `read ${reads}: every exported mount`);
    await sleep(5);
  }
  watcher.close();
  const sweeps = daemon.count(/Checked \d+ mounts/) - sweepsBefore;
  console.log(`# ${checked} mounts: ${sweeps} sweeps, ${renames} rename events for the file in 10 s, ${reads} whole reads, never a partial one`);
  assert.ok(sweeps >= 3, `sweeps went on: ${sweeps}`);
  // A rename shows as one or two watch events; 1,000 mount events per sweep would be 1,000 writes.
  assert.ok(renames >= 1 && renames <= 4 * (sweeps + 1), `coalesced: ${renames} events for ${sweeps} sweeps`);

  const text = readFileSync(file);
  assert.deepEqual(promtoolCheckMetrics(text), { status: 0, output: '' }, 'promtool check metrics is silent about the file');
  const body = text.toString();
  assert.deepEqual(samplesFor(body, 'mountstatus_mount_responsive', frozen.mountpoint), [`mountstatus_mount_responsive{mountpoint="${frozen.mountpoint}",fstype="fuse.msm-fusefix"} 0`], 'the frozen mount is kept, past the cap');
  assert.equal(samplesFor(body, 'mountstatus_mount_info', csi).length, 1, "the pod's CSI volume is kept");
  assert.equal(samplesFor(body, 'mountstatus_mount_info', secret).length, 0, "the pod's secret tmpfs is left out");
  assert.match(body, /^mountstatus_omitted_mounts\{reason="excluded"\} 1$/m);
  assert.match(body, new RegExp(`^mountstatus_omitted_mounts\\{reason="limit"\\} ${checked - 1 - 500}$`, 'm'));
  assert.match(body, new RegExp(`^mountstatus_mounts\\{state="ok"\\} ${checked - 1}$`, 'm'), 'every mount counted by state, exported or not');

  const exporter = await startNodeExporter(dir);
  cleanups.push(() => exporter.stop());
  const served = await (await fetch(`${exporter.url}/metrics`)).text();
  assert.match(served, /^node_textfile_scrape_error 0$/m, 'node_exporter parsed the file');
  assert.match(served, new RegExp(`^node_textfile_mtime_seconds\\{file="${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\} `, 'm'));
  // node_exporter orders labels by name.
  assert.ok(served.includes(`mountstatus_mount_responsive{fstype="fuse.msm-fusefix",mountpoint="${frozen.mountpoint}"} 0`), 'the frozen mount reads 0 through node_exporter');
  assert.ok(served.includes(`mountstatus_mount_responsive{fstype="tmpfs",mountpoint="${root.join('m/1')}"} 1`), 'a healthy one 1');
  assert.equal(served.split('\n').filter((l) => l.startsWith('mountstatus_mount_state{')).length, 500 * MOUNT_STATES.length, 'one series per state per exported mount');

  const status = readFileSync(`/proc/${daemon.pid}/status`, 'utf8');
  console.log(`# helper at ${checked} mounts with the textfile: VmHWM ${/VmHWM:\s+(\d+)/.exec(status)![1]} kB`);
  daemon.child.kill('SIGTERM');
  assert.deepEqual(await daemon.exited(), { code: 0, signal: null });
  assert.ok(readFileSync(file, 'utf8').includes('mountstatus_build_info'), 'the file stays after a stop: its age is what the stale alert sees');
});
