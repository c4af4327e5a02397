// The usage scan on the real /proc with three processes holding 19,000 open files each (the hard limit
// here is 20,000 a process): it stops at their user's share of reads, says how many processes it left
// unexamined, still finds another process in the mount,
// and lets the event loop run while it reads (the longest gap between 1 ms timer ticks is printed).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { scanUsage } from '../../../src/node/automount/usage.js';
import { readMountTable } from '../../../src/node/mount-table/read-mount-table.js';
import { makeTempRoot, mountTmpfs, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);
const FILES = 19_000;
const HOARDERS = 3;

let root: TempRoot;
const children: ChildProcess[] = [];
before(() => {
  if (skip) return;
  root = makeTempRoot('msm-usage-bounded-');
});
after(() => {
  for (const c of children) c.kill('SIGKILL');
  root?.cleanup();
});

/** A child that says "ready" once `script` ran. */
function started(command: string, args: string[], cwd?: string): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before it was ready`)));
  });
}

test(`${HOARDERS} processes with ${FILES} open files each: their user's share is read, they are counted unexamined, another in the mount is found, the loop runs`, { skip, timeout: 120_000 }, async () => {
  const mount = mountTmpfs(root.join('m'));
  const hoard = `const fs = require('fs'); for (let i = 0; i < ${FILES}; i++) fs.openSync('/dev/null'); console.log('ready'); setInterval(() => {}, 1e6);`;
  for (let i = 0; i < HOARDERS; i++) await started('sh', ['-c', `ulimit -n ${FILES + 100} && exec "$0" -e "$1"`, process.execPath, hoard]);
  const user = await started('sh', ['-c', 'echo ready; exec sleep 120'], mount);
  const entries = (await readMountTable()).entries;
  const target = entries.find((e) => e.mountpoint === mount)!;
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 1);
  const startedAt = performance.now();
  const scan = await scanUsage({ entries, of: [target.mountId], mapped: false, excludePids: [] });
  const ms = performance.now() - startedAt;
  clearInterval(timer);
  gap = Math.max(gap, performance.now() - last); // a scan that never yielded let no tick run at all
  console.log(`# usage scan: ${scan.processes} processes, ${scan.fds} fds read in ${ms.toFixed(0)} ms, ${scan.unexamined} unexamined; longest event-loop gap ${gap.toFixed(1)} ms`);
  assert.equal(scan.users.get(target.mountId), `pid ${user.pid} cwd`);
  assert.ok(scan.unexamined >= HOARDERS, 'the hoarders were counted as unexamined');
  assert.ok(scan.fds < FILES, `${scan.fds} fds read: the budget did not bound the hoarders`);
  // Slices are 2 ms; one directory read of /proc/PID/fd can add a few ms. The bound is wide for a shared,
  // loaded 2-core machine: one pass over their 57,000 fds in one go takes 400 ms and more.
  assert.ok(gap < 250, `the event loop waited ${gap.toFixed(0)} ms at once`);
});
