// A real Prometheus (Debian's) scraping a real `mountstatus daemon --metrics-listen` over loopback, with
// the shipped rules loaded: a frozen FUSE mount reads 0 and a healthy tmpfs 1 through the query API;
// mountpoints with quotes, backslashes, newlines and invalid UTF-8 arrive as the distinct, escaped label
// values the log uses; MountNotResponding is pending for the frozen mount, and HomeMountSlow fires for
// it (the home of a logged-in user, so in the watch tier); `promtool check metrics` finds nothing to say
// about the served text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { ensureTestUser } from '../../support/test-user.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { makeTempRoot, mountTmpfs, umount } from '../../support/mounts.js';
import { fuseFixtureUnavailable, startFuseFixture } from '../../support/fuse-fixture.js';
import { prometheusUnavailable, promtoolCheckMetrics, RULES_FILE, startPrometheus } from '../../support/prometheus.js';
import { DaemonProcess } from '../cli/cli-harness.js';
import { escapeForDisplay } from '../../../src/common/mount-table/escapes.js';
import { decodeUtf8Lossless } from '../../../src/common/mount-table/utf8.js';
import { cleanupsAfter } from '../../support/cleanups.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? (prometheusUnavailable() ?? fuseFixtureUnavailable()) : ns.reason);
const cleanups = cleanupsAfter();

/** Mounts a tmpfs on a path given as bytes (which may not be UTF-8): through sh, since argv strings are UTF-8. */
function mountTmpfsAtBytes(parent: string, name: Buffer): string {
  const octal = [...name].map((b) => '\\' + b.toString(8).padStart(3, '0')).join('');
  const r = spawnSync('sh', ['-c', `p="$1/$(printf '${octal}')" && mkdir "$p" && mount --no-canonicalize -t tmpfs -o size=1m msm-test "$p"`, 'sh', parent]);
  assert.equal(r.status, 0, String(r.stderr));
  return escapeForDisplay(decodeUtf8Lossless(Buffer.concat([Buffer.from(parent + '/'), name])));
}

/** A PromQL string literal for a label value. */
const promString = (s: string) => JSON.stringify(s);

test('Prometheus scrapes the daemon: frozen mount 0, healthy 1, odd names intact, rules pending and firing, lint-clean text', { skip, timeout: 240_000 }, async () => {
  const root = makeTempRoot('metrics-scrape-');
  cleanups.push(() => root.cleanup());
  const fine = mountTmpfs(root.join('fine'));
  // The odd names, as the label values must read: the log's escaping (escapeForDisplay).
  const odd = [
    mountTmpfsAtBytes(root.path, Buffer.from('we"ird\\x')),
    mountTmpfsAtBytes(root.path, Buffer.from('new\nline')),
    mountTmpfsAtBytes(root.path, Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe])),
    mountTmpfsAtBytes(root.path, Buffer.from('café ü')),
  ];
  assert.deepEqual(odd.slice(0, 3).map((p) => p.slice(root.path.length + 1)), ['we"ird\\134x', 'new\\012line', 'bad\\377\\376']);
  mountTmpfs('/home', { mkdir: false, mode: 0o755 }); // this namespace's /home only
  cleanups.push(() => umount('/home', { lazy: true }));
  // A logged-in user (logind's users directory, private to this namespace) whose home is the frozen
  // mount: the watch tier marks it, and HomeMountSlow keys on that.
  const user = ensureTestUser();
  mountTmpfs('/run/systemd/users', { mkdir: false, mode: 0o755 });
  cleanups.push(() => umount('/run/systemd/users', { lazy: true }));
  writeFileSync(`/run/systemd/users/${user.uid}`, 'STATE=active\n');
  const homeDir = `/home/${user.name}`;
  const home = await startFuseFixture(homeDir);
  cleanups.push(() => home.stop());
  await home.freeze();

  const daemon = new DaemonProcess(['--interval', '1', '--timeout', '1', '--include', '/home/**', '--include', `${root.path}/**`, '--socket', '', '--no-syslog', '--metrics-listen', '127.0.0.1:0']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Serving Prometheus metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
  const target = /Serving Prometheus metrics at http:\/\/(127\.0\.0\.1:\d+)\/metrics/.exec(daemon.stderr)![1]!;
  await daemon.waitFor(new RegExp(`Mountpoint ${homeDir} is not responding`));

  const text = Buffer.from(await (await fetch(`http://${target}/metrics`)).arrayBuffer());
  assert.deepEqual(promtoolCheckMetrics(text), { status: 0, output: '' }, 'promtool check metrics is silent');

  const prom = await startPrometheus({ targets: [target], ruleFiles: [RULES_FILE] });
  cleanups.push(() => prom.stop());
  const [frozen] = await prom.waitFor(`mountstatus_mount_responsive{mountpoint="${homeDir}"}`);
  assert.equal(frozen!.value[1], '0', 'the frozen mount reads 0');
  assert.equal(frozen!.metric.fstype, 'fuse.msm-fusefix');
  const [healthy] = await prom.waitFor(`mountstatus_mount_responsive{mountpoint=${promString(fine)}}`);
  assert.equal(healthy!.value[1], '1', 'the healthy mount reads 1');
  const [hung] = await prom.waitFor(`mountstatus_mount_state{mountpoint="${homeDir}",state="hung"}`);
  assert.equal(hung!.value[1], '1');
  const [watched] = await prom.waitFor(`mountstatus_mount_watched{mountpoint="${homeDir}"}`);
  assert.equal(watched!.metric.reason, 'home', "the logged-in user's home is in the watch tier");
  const [timeouts] = await prom.waitFor('mountstatus_probe_timeouts_total');
  assert.ok(Number(timeouts!.value[1]) >= 1, 'the SIGKILLed probes are counted');

  const infoPaths = (await prom.query('mountstatus_mount_info')).map((s) => s.metric.mountpoint!);
  for (const p of odd) assert.ok(infoPaths.includes(p), `${JSON.stringify(p)} arrived as one series of its own; got ${JSON.stringify(infoPaths)}`);
  const [target0] = await prom.targets();
  assert.deepEqual([target0!.health, target0!.lastError], ['up', ''], 'every scrape succeeds');

  // The shipped rules against this data: MountNotResponding waits its 5 minutes (pending), HomeMountSlow
  // fires after its one.
  const pending = await waitForAlert(prom, 'MountNotResponding', homeDir, 'pending', 30_000);
  assert.equal(pending.labels.fstype, 'fuse.msm-fusefix');
  const firing = await waitForAlert(prom, 'HomeMountSlow', homeDir, 'firing', 120_000);
  assert.equal(firing.labels.severity, 'critical');
  const alerts = await prom.alerts();
  assert.deepEqual(alerts.filter((a) => a.labels.mountpoint !== homeDir), [], 'no alert for the mounts that answer, /home itself included');
  console.log(`# Prometheus: ${infoPaths.length} mounts scraped, HomeMountSlow firing, MountNotResponding pending`);

  daemon.child.kill('SIGTERM');
  assert.deepEqual(await daemon.exited(), { code: 0, signal: null });
});

async function waitForAlert(
  prom: Awaited<ReturnType<typeof startPrometheus>>,
  name: string,
  mountpoint: string,
  state: string,
  timeoutMs: number,
): Promise<{ labels: Record<string, string>; state: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alert = (await prom.alerts()).find((a) => a.labels.alertname === name && a.labels.mountpoint === mountpoint && a.state === state);
    if (alert) return alert;
    if (Date.now() > deadline) throw new Error(`${name} not ${state} for ${mountpoint} within ${timeoutMs} ms: ${JSON.stringify(await prom.alerts())}`);
    await sleep(500);
  }
}
