// Degrading on Debian 12's kernel (6.1; test/lab/nfs-degrading.lab.test.ts runs the full scenario on
// Debian 13's 6.12): the judgement reads /proc/self/mountstats as 6.1 prints it (statvers=1.1, its
// per-op and xprt fields), so an NFSv4.2 home whose server gets 200 ms of netem delay is reported
// degrading within 15 s, before any probe is slow, and ok again once the delay is removed — one log
// line each. Lean: one mount, one episode (the no-alarm cases are the Debian 13 file's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { nfsServerUnavailable, shapeTrafficTo, startNfsServer, tcUnavailable } from '../support/lab-nfs.js';
import { cleanupsAfter } from '../support/cleanups.js';
import { startSweptDaemon, withDaemonLog } from '../helper/cli/cli-harness.js';
import { Follower, type FollowedLine } from '../helper/cli/follow-client.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? (nfsServerUnavailable() ?? tcUnavailable()) : ns.reason);
const cleanups = cleanupsAfter();
const SERVER = '127.0.0.2';

type Mount = FollowedLine['mount'] & { degrading?: { reason: string } };
let said = () => '(no daemon yet)';

test(`degrading on kernel ${release()}: a delayed server within 15 s, before any probe is slow; ok once the delay is gone`, { skip, timeout: 8 * 60_000 }, async () => {
  await withDaemonLog(() => said(), async () => {
    const nfs = startNfsServer();
    cleanups.push(() => nfs.stop());
    const base = mkdtempSync(join(tmpdir(), 'msm-nfs-degrading-6.1-'));
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const home = join(base, 'home');
    mkdirSync(home);
    execFileSync('mount', ['-t', 'nfs', '-o', 'vers=4.2,hard', `${SERVER}:${nfs.exportDir('home')}`, home]);
    cleanups.push(() => void execFileSync('umount', ['-l', home]));
    const shaped = shapeTrafficTo(SERVER);
    cleanups.push(() => shaped.remove());
    shaped.set('delay 0ms');

    const runDir = join(base, 'run');
    mkdirSync(runDir);
    chmodSync(runDir, 0o755);
    const socket = join(runDir, 'helper.sock');
    const daemon = await startSweptDaemon(['--include', `${base}/**`, '--watch', `${base}/*`, '--socket', socket, '--no-syslog'], /Checked 1 mounts? in \d+ seconds\n/, cleanups);
    said = () => daemon.stderr;
    const follow = new Follower(socket);
    cleanups.push(() => follow.stop());
    await follow.waitFor((l) => l.mountpoint === home && l.state === 'ok', 15_000);
    // The usual: 20 s of the home watch's probes, read every 3 s (the first three reads make it).
    await sleep(20_000);
    const usual = follow.lines.filter((l) => l.mount.mountpoint === home).at(-1)?.mount as (Mount & { nfs?: { usualRttMs?: number } }) | undefined;
    console.log(`# ${release()}: the home's usual round trip after 20 s: ${usual?.nfs?.usualRttMs} ms`);
    assert.equal(typeof usual?.nfs?.usualRttMs, 'number', `6.1's mountstats give the judge its round trips: ${JSON.stringify(usual)}`);

    const mark = follow.lines.length;
    const delayAt = Date.now();
    shaped.set('delay 200ms');
    const first = await follow.waitFor((l) => l.mountpoint === home && (l as Mount).degrading !== undefined, 60_000, mark);
    const reason = (first.mount as Mount).degrading!.reason;
    console.log(`# ${release()}: delay 200ms -> degrading after ${first.at - delayAt} ms: ${reason}`);
    assert.ok(first.at - delayAt <= 15_000, `degrading within 15 s of the delay (${first.at - delayAt} ms)`);
    assert.match(reason, /^RPC round trip \d+ ms, usually [\d.]+ ms/);
    assert.deepEqual(follow.lines.slice(mark).filter((l) => l.mount.mountpoint === home && l.at <= first.at && l.mount.state !== 'ok').map((l) => l.mount.state), [], 'no probe slow before it');

    const clearAt = Date.now();
    shaped.set('delay 0ms');
    await daemon.waitFor(/is answering at its usual speed again/, 120_000);
    console.log(`# ${release()}: delay removed -> the episode's end logged after ${Date.now() - clearAt} ms`);
    assert.equal(daemon.count(/ is degrading/), 1, 'one line for the episode');
    assert.equal(daemon.count(/ is answering at its usual speed again/), 1);
    assert.equal(daemon.count(/ is not answering after /), 0, 'no probe slow');
    daemon.child.kill('SIGTERM');
    assert.equal((await daemon.exited()).code, 0);
  });
});
