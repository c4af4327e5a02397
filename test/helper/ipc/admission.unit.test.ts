// The socket's quotas by uid, and the refusal summaries, with a hand-driven clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission } from '../../../src/helper/ipc/admission.js';
import { RefusalLog } from '../../../src/helper/ipc/refusal-log.js';
import { refusedClient, refusedClients } from '../../../src/helper/log/lines.js';
import type { IpcClock } from '../../../src/helper/ipc/ipc-clock.js';

test('one user gets its quota, users together leave the reserve to root, root is bounded only by the total', () => {
  const a = new Admission({ maxClients: 10, maxClientsPerUser: 3, reservedForRoot: 2 });
  for (let i = 0; i < 3; i++) assert.equal(a.admit(1001), undefined);
  assert.match(a.admit(1001)!.reason, /^too many clients of this user \(limit 3\)$/);
  assert.match(a.admit(1001)!.message, /uid 1001 already has 3 connections to the helper, the most one user may have/);
  for (let i = 0; i < 3; i++) assert.equal(a.admit(1002), undefined);
  assert.equal(a.admit(1003), undefined);
  assert.equal(a.admit(1003), undefined);
  // 8 = 10 - 2 user slots taken: a fourth user is refused, root is not.
  assert.equal(a.admit(1004)!.reason, 'too many clients of users other than root (limit 8)');
  assert.equal(a.admit(0), undefined);
  assert.equal(a.admit(0), undefined);
  assert.equal(a.admit(0)!.reason, 'too many clients (limit 10)');
  a.release(1001);
  assert.equal(a.admit(1001), undefined, 'its own slot again');
  assert.equal(a.admit(1005)!.reason, 'too many clients (limit 10)');
  a.release(0);
  assert.equal(a.admit(1005)!.reason, 'too many clients of users other than root (limit 8)', "a slot root frees stays root's");
  assert.equal(a.admit(0), undefined);
  a.release(1002);
  assert.equal(a.admit(1005), undefined, 'a user slot goes to whichever user asks next');
});

class ManualClock implements IpcClock {
  t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now = () => this.t;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
  get pending(): number {
    return this.timers.size;
  }
}

test('a refusal flood: the first one at once, then one summary per window, windows doubling while it lasts', () => {
  const clock = new ManualClock();
  const lines: string[] = [];
  const log = new RefusalLog({ line: (l) => void lines.push(l.text) }, clock);
  const reason = 'too many clients of this user (limit 8)';
  // 19,000 refusals in the first 5 s (3.8 a millisecond), then 2 a millisecond for 60 s more.
  let refused = 0;
  for (let ms = 0; ms < 65_000; ms++) {
    const n = ms < 5000 ? (ms % 5 < 4 ? 4 : 3) : 2;
    for (let i = 0; i < n; i++, refused++) log.refused(1001, reason);
    clock.advance(1);
  }
  clock.advance(10 * 60_000);
  assert.deepEqual(lines.slice(0, 2), [
    'Refused IPC client of uid 1001: too many clients of this user (limit 8)',
    'Refused 19,000 IPC clients of uid 1001 in the last 5 seconds: too many clients of this user (limit 8)',
  ]);
  assert.deepEqual(
    lines.slice(2).map((l) => /in the last (.*):/.exec(l)![1]),
    ['10 seconds', '20 seconds', '40 seconds'],
    'windows of 10, 20 and 40 s cover the rest of the minute-long flood',
  );
  const counted = lines.slice(1).reduce((sum, l) => sum + Number(/^Refused ([\d,]+)/.exec(l)![1]!.replace(/,/g, '')), 0);
  assert.equal(counted, refused, 'every refusal is counted once');
  assert.equal(clock.pending, 0, 'quiet again: no timer left');
  // After the quiet spell, the next refusal is logged at once again.
  log.refused(1001, reason);
  assert.equal(lines.at(-1), 'Refused IPC client of uid 1001: too many clients of this user (limit 8)');
});

test('refusals are kept apart by uid and reason, bounded in number, and flushed on close', () => {
  const clock = new ManualClock();
  const lines: string[] = [];
  const log = new RefusalLog({ line: (l) => void lines.push(l.text) }, clock, { maxKeys: 3 });
  log.refused(1001, 'r');
  log.refused(1002, 'r');
  log.refused(undefined, 'cannot tell who it is', 'EBADF: the connection has no file descriptor');
  for (let uid = 2000; uid < 2100; uid++) log.refused(uid, 'r'); // three keys are taken: these are "several users"
  log.refused(1001, 'r'); // 1002 is not refused again: its one refusal was logged and is not summarised
  log.refused(undefined, 'cannot tell who it is', 'EBADF');
  clock.advance(1000);
  log.close();
  assert.deepEqual(lines, [
    'Refused IPC client of uid 1001: r',
    'Refused IPC client of uid 1002: r',
    'Refused IPC client: cannot tell who it is: EBADF: the connection has no file descriptor',
    'Refused IPC client of several users: r',
    'Refused 2 IPC clients of uid 1001 in the last 1 second: r',
    'Refused 2 IPC clients in the last 1 second: cannot tell who it is',
    'Refused 100 IPC clients of several users in the last 1 second: r',
  ]);
  assert.equal(clock.pending, 0);
});

test('the refusal lines, one line whatever the reason holds', () => {
  assert.deepEqual(refusedClients(19_000, 1001, 5, 'too many clients'), {
    severity: 'warning',
    text: 'Refused 19,000 IPC clients of uid 1001 in the last 5 seconds: too many clients',
  });
  assert.equal(refusedClients(1_234_567, 0, 300, 'x').text, 'Refused 1,234,567 IPC clients of uid 0 in the last 5 minutes: x');
  assert.equal(refusedClient(undefined, 'cannot tell who it is: a\nb').text, 'Refused IPC client: cannot tell who it is: a\\012b');
});
