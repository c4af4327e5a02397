// The desktop's promise on the real thing (in the lab guest, see test/lab/lab-suite): a user whose home
// directory is a hard NFS 4.2 mount of the guest's nfsd, the helper daemon on its system socket, and the
// app's real entry point running as that user (HOME and cwd on the mount; `electron` the recording
// stand-in, test/support/electron-app.ts). The server is cut: the user gets the critical home-directory
// notification, and no thread of the app ever waits on the dead server in uninterruptible sleep (state
// D) — sampled every 200 ms through the outage and the recovery, with the kernel stack of any thread in
// D. Other D waits are printed, not failed: the app's code comes over the guest's 9p share, and a page
// read from it under memory pressure is a D wait of its own (one run saw 85 samples in D, before the
// stacks were read; the next saw none).
// The guest has no D-Bus session or notification server (not in the lab image), so the notification is
// taken where the app hands it over: a recording `notify-send` first on the app's PATH, run by the app's
// real notifier (node-notifier through /bin/sh), which writes its arguments to a file. The D-Bus leg
// beyond notify-send is test/main/notify/app-freeze.integration.test.ts's, on the host with FUSE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { nfsServerUnavailable, startNfsServer } from '../support/lab-nfs.js';
import { ensureTestUser } from '../support/test-user.js';
import { startApp } from '../support/electron-app.js';
import { DaemonProcess } from '../helper/cli/cli-harness.js';
import { scaled } from '../support/slowdown.js';
import { defaultSocketPath } from '../../src/node/ipc/paths.js';
import { IpcChannel } from '../../src/common/ipc-channels.js';
import type { Snapshot } from '../../src/common/monitor-api.js';
import { cleanupsAfter } from '../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? nfsServerUnavailable() : ns.reason);
const SERVER = '127.0.0.6';
/** How long the server stays cut once the notification came: the sampling must cover a long outage. */
const OUTAGE_AFTER_NOTICE_MS = 30_000;

const cleanups = cleanupsAfter();

interface Notified {
  at: number;
  args: string[];
}

/** A `notify-send` that records each call (its arguments, NUL-separated) as a file named for the time. */
function notifySendRecorder(dir: string, uid: number, gid: number): { bin: string; calls: () => Notified[] } {
  const bin = join(dir, 'bin');
  const calls = join(dir, 'calls');
  mkdirSync(bin);
  mkdirSync(calls);
  chownSync(calls, uid, gid);
  writeFileSync(join(bin, 'notify-send'), `#!/bin/sh\nprintf '%s\\0' "$@" > "${calls}/$(date +%s%N).$$"\n`, { mode: 0o755 });
  return {
    bin,
    calls: () =>
      readdirSync(calls)
        .sort()
        .map((f) => ({ at: Number(f.split('.')[0]) / 1e6, args: readFileSync(join(calls, f), 'utf8').split('\0').slice(0, -1) })),
  };
}

/** The threads of `pid` in state D (proc(5) stat field 3) now, with where in the kernel they wait. */
function threadsInD(pid: number): { tid: string; comm: string; stack: string }[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // exited
  }
  return tids.flatMap((tid) => {
    const read = (what: string) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/${what}`, 'utf8');
      } catch {
        return '';
      }
    };
    const stat = read('stat');
    const close = stat.lastIndexOf(')');
    if (stat.slice(close + 2, close + 3) !== 'D') return [];
    // The kernel stack (root only): the frames name the filesystem or the RPC the thread waits on.
    const stack = read('stack').split('\n').map((l) => l.replace(/^\[<[0-9a-f]+>\] /, '').replace(/\+0x.*$/, '')).filter(Boolean).slice(0, 8).join(' < ');
    const wchan = read('wchan');
    return [{ tid, comm: stat.slice(stat.indexOf('(') + 1, close), stack: stack || (wchan ? `wchan ${wchan}` : 'unknown') }];
  });
}

/**
 * The daemon, once it has checked the home. Under emulation its config reader (a Node child with a 5 s
 * deadline) once missed the deadline in a fresh guest, and the daemon exited: then it is started once more.
 */
async function startDaemon(args: string[]): Promise<DaemonProcess> {
  for (let attempt = 1; ; attempt++) {
    const daemon = new DaemonProcess(args);
    cleanups.push(() => daemon.stop());
    const exited = daemon.exited().then(() => {
      throw new Error(`the daemon exited: ${daemon.stderr}`);
    });
    exited.catch(() => undefined); // its exit at the end of the test is no failure
    try {
      await Promise.race([daemon.waitFor(/Checked 1 mounts? in \d+ seconds\n/, 20_000), exited]);
      return daemon;
    } catch (e) {
      if (attempt > 1 || !/cannot read config file .*: no answer within/.test(daemon.stderr)) throw e;
      console.log(`# the daemon's config reader missed its deadline; starting it again: ${daemon.stderr.trim()}`);
    }
  }
}

test('the home directory\'s NFS server dies: the app as that user gives the critical notification, and none of its threads waits on the server (D state)', { skip, timeout: 420_000 }, async () => {
  const nfs = startNfsServer();
  cleanups.push(() => nfs.stop());
  const user = ensureTestUser();
  const home = execFileSync('getent', ['passwd', user.name], { encoding: 'utf8' }).split(':')[5]!;
  // The export holds the home's contents, owned by the user; the helper finds the home in the user database.
  const exported = nfs.exportDir('app-home');
  chownSync(exported, user.uid, user.gid);
  mkdirSync(home, { recursive: true });
  execFileSync('mount', ['-t', 'nfs', '-o', 'vers=4.2,hard', `${SERVER}:${exported}`, home]);
  cleanups.push(() => void execFileSync('umount', ['-l', home]));

  const base = mkdtempSync(join(tmpdir(), 'msm-nfs-home-app-'));
  chmodSync(base, 0o755);
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const runtimeDir = join(base, 'run');
  mkdirSync(runtimeDir, { mode: 0o700 });
  chownSync(runtimeDir, user.uid, user.gid);
  const notifySend = notifySendRecorder(base, user.uid, user.gid);

  // The system helper, where the app looks first (/run/mount-status-monitor/).
  const socket = defaultSocketPath({ privileged: true });
  mkdirSync(dirname(socket), { recursive: true, mode: 0o755 });
  const daemon = await startDaemon(['--include', home, '--socket', socket, '--no-syslog']);

  const app = startApp({
    env: { PATH: `${notifySend.bin}:/usr/local/bin:/usr/bin:/bin`, HOME: home, USER: user.name, LOGNAME: user.name, XDG_RUNTIME_DIR: runtimeDir },
    uid: user.uid,
    gid: user.gid,
    cwd: home,
  });
  cleanups.push(() => app.kill());
  const samples = { count: 0, inD: [] as { at: number; tid: string; comm: string; stack: string }[] };
  const sampler = setInterval(() => {
    samples.count++;
    for (const t of threadsInD(app.pid)) samples.inD.push({ at: Date.now(), ...t });
  }, 200);
  cleanups.push(() => clearInterval(sampler));
  try {
    await app.waitFor((c) => c.what === 'Tray.setContextMenu' && /\bmounts? OK/.test(JSON.stringify(c.args)), 'the tray menu with the first results', scaled(15_000));
    // The helper watches a connected user's home (probed every watch-interval): the window's view shows
    // when it does, and that the home was seen answering, so the cut is a transition.
    await app.command({ cmd: 'click-tray' });
    await app.waitFor((c) => c.what === 'BrowserWindow.show', 'the window');
    const watchedBy = Date.now() + scaled(10_000);
    for (;;) {
      const snap = (await app.command({ cmd: 'invoke', channel: IpcChannel.Snapshot, args: [] })) as Snapshot;
      const mount = snap.mounts.find((m) => m.mountpoint === home);
      if (mount?.watched !== undefined && mount.state === 'ok') break;
      assert.ok(Date.now() < watchedBy, `the home is not watched and ok: ${JSON.stringify(mount)}`);
      await sleep(500);
    }

    const cutAt = Date.now();
    nfs.cut();
    const homeNotice = (n: Notified) => n.at >= cutAt && n.args.some((a) => /^Your home directory is not (answering|responding)$/.test(a));
    let notice: Notified | undefined;
    while (!(notice = notifySend.calls().find(homeNotice))) {
      assert.ok(Date.now() - cutAt < scaled(10_000), `no home notification ${Date.now() - cutAt} ms after the cut; notify-send got ${JSON.stringify(notifySend.calls())}\n--- app ---\n${app.output()}\n--- helper ---\n${daemon.stderr}`);
      await sleep(100);
    }
    console.log(`# cut -> critical home notification in ${Math.round(notice.at - cutAt)} ms: notify-send ${JSON.stringify(notice.args)}`);
    assert.ok(notice.args.includes('critical'), `urgency critical: ${JSON.stringify(notice.args)}`);
    assert.ok(notice.args.some((a) => a.startsWith(`${home} is on `)), `the body names the home: ${JSON.stringify(notice.args)}`);
    await app.waitFor((c) => c.what === 'Tray.setImage' && String(c.args[0]).endsWith('tray-dead-22.png'), 'the red tray icon', scaled(10_000));
    await sleep(OUTAGE_AFTER_NOTICE_MS);

    const restoredAt = Date.now();
    nfs.restore();
    let back: Notified | undefined;
    while (!(back = notifySend.calls().find((n) => n.at >= restoredAt && n.args.includes('Your home directory is back')))) {
      assert.ok(Date.now() - restoredAt < scaled(10_000), `no recovery notification; notify-send got ${JSON.stringify(notifySend.calls())}`);
      await sleep(100);
    }
    console.log(`# cut lifted -> "Your home directory is back" in ${Math.round(back.at - restoredAt)} ms`);
    clearInterval(sampler);
    const during = samples.inD.filter((d) => d.at >= cutAt);
    // A wait the kernel does not name counts as one on the server: nothing says it was not.
    const onNfs = during.filter((d) => d.stack === 'unknown' || /nfs|rpc_|xprt/i.test(d.stack));
    const where = new Map<string, number>();
    for (const d of during) where.set(`${d.comm}: ${d.stack}`, (where.get(`${d.comm}: ${d.stack}`) ?? 0) + 1);
    console.log(`# ${samples.count} samples of the app's threads every 200 ms, ${Math.round((Date.now() - cutAt) / 1000)} s of them from the cut; in D state then: ${during.length}, waiting on NFS: ${onNfs.length}`);
    for (const [stack, n] of where) console.log(`#   ${n}x in D: ${stack}`);
    assert.ok(samples.count >= (Date.now() - cutAt) / 1000, `the sampler kept up: ${samples.count} samples`);
    assert.deepEqual(onNfs, [], 'no thread of the app waits on the NFS server');
    assert.doesNotMatch(app.output(), /Uncaught|UnhandledPromiseRejection|TypeError/);
  } catch (e) {
    (e as Error).message += `\n--- the helper's log (end) ---\n${daemon.stderr.slice(-4000)}\n--- the app's output (end) ---\n${app.output().slice(-4000)}`;
    throw e;
  }
});
