// Debian's real automount with a DIRECT map (master map line `/- MAP`): the real filesystem is mounted ON
// the autofs trigger's own path, its parent being the autofs mount. The sweep plan must show the trigger
// (never probed), the real mount as automounted (not covered: it is the top of the stack), idle while
// nobody uses it and probed while a process works inside it; and the idle one must still expire while
// plans are made every second. Also: a dead daemon whose pgrp number a new process got is still dead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kernelLacks, privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { autofsUnavailable, readMountTable, waitFor } from '../../support/automount.js';
import { scaled } from '../../support/slowdown.js';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { planSweep } from '../../../src/node/monitor/sweep-plan.js';
import { refineAutomounts } from '../../../src/node/automount/refine-plan.js';
import { daemonStatuses, livePgrps, verifiedDaemonPgrps } from '../../../src/node/automount/daemon-alive.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason) || kernelLacks(autofsUnavailable());
const run = promisify(execFile);

interface Direct {
  point: string;
  pid: number;
  /** The daemon has exited and been reaped (its pid number is free). */
  reaped(): boolean;
  stop(): Promise<void>;
  log(): string;
}

async function startDirect(timeout: number): Promise<Direct> {
  const base = mkdtempSync(join(tmpdir(), 'msm-direct-'));
  const point = join(base, 'direct point'); // a space, as admins' paths have
  mkdirSync(point);
  const map = join(base, 'auto.direct');
  const master = join(base, 'auto.master');
  // sun map syntax: a space in the key is written as "\ " (autofs(5)).
  writeFileSync(map, `${point.replace(/ /g, '\\ ')} -fstype=tmpfs,size=1m :tmpfs\n`);
  writeFileSync(master, `/- ${map} --timeout=${timeout}\n`);
  const logPath = join(base, 'automount.log');
  const fd = openSync(logPath, 'a');
  const child = spawn('setsid', ['automount', '-f', '-t', String(timeout), '-p', join(base, 'pid'), master], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  child.on('exit', () => void (exited = true));
  const log = () => { try { return readFileSync(logPath, 'utf8'); } catch { return ''; } };
  const d: Direct = {
    point,
    pid: child.pid!,
    reaped: () => exited,
    log,
    async stop() {
      if (!exited) {
        try { process.kill(child.pid!, 'SIGTERM'); } catch { /* gone */ }
        await waitFor('automount to exit', () => exited, 10_000).catch(() => { try { process.kill(child.pid!, 'SIGKILL'); } catch { /* gone */ } });
      }
      for (const e of readMountTable().filter((x) => x.mountpoint === point).reverse()) await run('umount', ['-l', e.mountpoint]).catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
  try {
    await waitFor('the direct autofs mount', () => readMountTable().some((e) => e.fstype === 'autofs' && e.mountpoint === point), 10_000);
  } catch (e) {
    await d.stop();
    throw new Error(`${(e as Error).message}\n${log()}`);
  }
  await sleep(300);
  return d;
}

async function plan() {
  const table = parseMountinfo(readFileSync('/proc/self/mountinfo')).entries;
  return (await refineAutomounts(planSweep({ entries: table, problems: [] }, { include: [], exclude: [] }))).plan;
}

test('direct map: the real mount sits ON the trigger; automounted, idle (not covered), busy when used, expires', { skip, timeout: scaled(60_000) }, async () => {
  const am = await startDirect(3);
  const children: ChildProcess[] = [];
  try {
    await run('ls', [am.point], { timeout: 10_000 });
    const real = await waitFor('the direct mount', () => readMountTable().find((e) => e.mountpoint === am.point && e.fstype === 'tmpfs'));
    const trigger = readMountTable().find((e) => e.mountpoint === am.point && e.fstype === 'autofs')!;
    assert.equal(real.parentId, trigger.mountId, 'the real mount is made on the autofs mount itself');
    assert.ok(trigger.superOptions.includes('direct'));

    let p = await plan();
    const t = p.items.find((i) => i.entry.mountId === trigger.mountId)!;
    const r = p.items.find((i) => i.entry.mountId === real.mountId)!;
    assert.equal(t.skip?.state, 'idle');
    assert.match(t.skip?.message ?? '', /autofs trigger \(map .*auto\.direct, direct\): never probed/);
    assert.equal(r.skip?.state, 'idle', `idle direct automount is left alone, not covered and not probed: ${JSON.stringify(r.skip)}`);
    assert.equal(r.skip?.message, 'automounted, idle: left alone so it can expire (timeout 3 s)');

    // A process with its cwd inside: busy, so probed (no skip).
    const user = spawn('sleep', ['60'], { cwd: am.point, stdio: 'ignore' });
    children.push(user);
    p = await plan();
    assert.equal(p.items.find((i) => i.entry.mountId === real.mountId)?.skip, undefined, 'a busy direct automount is probed');
    user.kill('SIGKILL');
    await new Promise((res) => user.once('exit', res));

    // Plans every second (what the monitor does) do not keep it: it expires.
    const t0 = Date.now();
    while (readMountTable().some((e) => e.mountId === real.mountId) && Date.now() - t0 < 25_000) {
      p = await plan();
      const again = p.items.find((i) => i.entry.mountId === real.mountId);
      if (again) assert.equal(again.skip?.state, 'idle');
      await sleep(1000);
    }
    console.log(`# idle direct automount expired after ${Date.now() - t0} ms of 1 s plans`);
    assert.ok(!readMountTable().some((e) => e.mountId === real.mountId), `the idle direct automount did not expire\n${am.log()}`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await am.stop();
  }
});

test('a dead daemon whose pgrp number was reused by a new process group is still reported dead', { skip, timeout: scaled(60_000) }, async () => {
  const am = await startDirect(3);
  let impostor: ChildProcess | undefined;
  try {
    const point = am.point;
    const status = (live: Set<number>) => daemonStatuses(readMountTable(), live).find((s) => s.mountpoint === point);
    assert.equal(status(verifiedDaemonPgrps(readMountTable()))?.alive, true, 'the live daemon holds its pipe');
    process.kill(am.pid, 'SIGKILL');
    await waitFor('the daemon to die and be reaped', () => am.reaped());
    // Give the dead daemon's number to a new group leader: ns_last_pid makes the next pid am.pid
    // (a few tries: another fork on the machine may take it first).
    for (let i = 0; i < 20 && impostor === undefined; i++) {
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(am.pid - 1));
      const c = spawn('setsid', ['sleep', '60'], { stdio: 'ignore' });
      if (c.pid === am.pid) impostor = c;
      else c.kill('SIGKILL');
    }
    assert.ok(impostor, `could not get pid ${am.pid} again`);
    await waitFor('the impostor to lead its group', () => livePgrps().has(am.pid));
    assert.equal(status(livePgrps())?.alive, true, 'by the pgrp number alone the daemon looks alive (the bug)');
    const s = status(verifiedDaemonPgrps(readMountTable()));
    assert.equal(s?.alive, false, 'the impostor does not hold the autofs pipe');
    assert.match(s?.message ?? '', /automount daemon \(pgrp \d+\) is gone/);
  } finally {
    impostor?.kill('SIGKILL');
    await am.stop();
  }
});
