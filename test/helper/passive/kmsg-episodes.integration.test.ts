// The kernel's NFS client prints `nfs: server X not responding, still trying` once per request that times
// out, and `nfs: server X OK` once per such request that completes: 72 lines in 85 s of one outage in
// the NFS lab. Fed here as /dev/kmsg records (kernel facility, one record per read) through a FIFO to
// the real follower, wired to a real monitor whose real probes meet a frozen FUSE mount from that server:
// one log line and one round of probes per episode, however many lines come.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KmsgFollower } from '../../../src/helper/passive/kmsg.js';
import { Monitor } from '../../../src/node/monitor/monitor.js';
import { createMountTableReader } from '../../../src/node/mount-table/read-mount-table.js';
import { createProber, nativeProberAvailable } from '../../../src/node/probe/create-prober.js';
import type { Prober } from '../../../src/node/probe/prober.js';
import { fuseFixtureUnavailable, startFuseFixture } from '../../support/fuse-fixture.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { recordingLog } from '../../node/monitor/monitor-fixtures.js';
import { tempRoot } from '../cli/fs-fixtures.js';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const notBuilt = nativeProberAvailable() ? undefined : 'dist/native/msm-prober is not built: run `make native`';
const skip = skipOrFail(ns.canMount ? (fuseFixtureUnavailable() ?? notBuilt) : ns.reason);
const cleanups = cleanupsAfter();

test('dozens of kernel lines for one outage: one warning and one round of probes per episode', { skip, timeout: 60_000 }, async () => {
  const root = tempRoot('msm-kmsg-episodes-');
  const server = `kmsgsrv${process.pid}`;
  const mnt = join(root, 'data');
  const fx = await startFuseFixture(mnt, { fsname: `tester@${server}:/data`, subtype: 'sshfs' });
  cleanups.push(() => fx.stop());

  // The real prober, counting the probes of our mount as they start.
  const prober = createProber();
  let probes = 0;
  const counting: Prober = { kind: prober.kind, probe: (r) => ((probes += r.path === mnt ? 1 : 0), prober.probe(r)), close: () => prober.close() };
  const log = recordingLog();
  const monitor = new Monitor({
    intervalSeconds: 600, timeoutSeconds: 1, include: [`${root}/**`], exclude: [], mode: 'system',
    prober: counting, log, readMountTable: createMountTableReader(),
  });
  cleanups.push(() => monitor.stop());
  assert.equal((await monitor.sweep()).mounts[0]?.state, 'ok');

  const fifo = join(root, 'kmsg');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  // As the daemon wires it (daemon-command.ts), reading the FIFO instead of /dev/kmsg.
  const kmsg = new KmsgFollower({ path: fifo, pollMs: 20, onSignal: (s) => void monitor.serverSignal(s.server, s.kind, s.text) });
  kmsg.start();
  cleanups.push(() => kmsg.stop());
  const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  cleanups.push(() => closeSync(writer));
  let seq = 5000;
  /** One record per read, as /dev/kmsg gives them: the next is written once the follower has read this one. */
  const kernelSays = async (message: string) => {
    const read = kmsg.counts.records;
    // PRI 5: facility 0 (the kernel), level notice, as the NFS client prints these lines.
    writeSync(writer, `5,${++seq},${seq * 1000},-;${message}\n`);
    for (let i = 0; kmsg.counts.records === read; i++) {
      if (i > 500) throw new Error(`the follower did not read record ${seq}`);
      await sleep(5);
    }
  };
  const kernelLines = () => log.calls.filter((c) => c.startsWith('kernelSignal'));

  await fx.freeze();
  const before = probes;
  // 30 lines over ~5 s: the first probe hangs, is killed at 1 s and exits; later lines come all along.
  for (let i = 0; i < 30; i++) {
    await kernelSays(`nfs: server ${server} not responding, still trying`);
    await sleep(150);
  }
  const status = (await monitor.snapshot()).mounts.find((m) => m.mountpoint === mnt);
  const duringOutage = probes - before;
  console.log(`# 30 "not responding" lines: ${kernelLines().length} warning, ${duringOutage} probe(s) of the mount, state ${status?.state}`);
  assert.deepEqual(kernelLines(), ['kernelSignal ' + server + ' not-responding 1']);
  assert.equal(duringOutage, 1, 'one probe for the episode: the mount is known hung, later lines add nothing');
  assert.equal(status?.state, 'hung');
  assert.equal(status?.suspect, `kernel: nfs: server ${server} not responding, still trying`);

  fx.thaw();
  for (let i = 0; i < 10; i++) await kernelSays(`nfs: server ${server} OK`);
  await sleep(500);
  const back = (await monitor.snapshot()).mounts.find((m) => m.mountpoint === mnt);
  console.log(`# then 10 "OK" lines: ${kernelLines().length - 1} notice, ${probes - before - duringOutage} probe(s), state ${back?.state}`);
  assert.deepEqual(kernelLines().slice(1), ['kernelSignal ' + server + ' ok 1']);
  assert.equal(probes - before - duringOutage, 1);
  assert.equal(back?.state, 'ok');
  assert.equal(back?.suspect, undefined);
  assert.equal(kmsg.counts.signals, 40, 'every line was read as the kernel\'s');
});
