// The prober's line protocol and the answer → result mapping, without processes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constants } from 'node:os';
import { deniedMessage, pathHex, toResult } from '../../../src/node/probe/answer.js';
import { encodeProbe, parseProberLine } from '../../../src/node/probe/native-protocol.js';
import { errnoName } from '../../../src/node/errno-text.js';
import { statusFromProbe } from '../../../src/node/monitor/status-from-probe.js';
import * as lines from '../../../src/helper/log/lines.js';

test('requests carry the path hex-encoded, so any byte but NUL survives the line protocol', () => {
  const line = encodeProbe(7, { timeoutMs: 1500.4, asOwner: true }, pathHex('/a b\t\n\\ü'));
  assert.equal(line, `P 7 1500 1 - -1 - ${Buffer.from('/a b\t\n\\ü').toString('hex')}\n`);
  assert.equal(line.split('\n').length, 2);
  assert.equal(pathHex('ignored', Uint8Array.from([0x2f, 0xff])), '2fff');
});

test('requests name the mount the path must lead to: its mount id and device, when known', () => {
  const r = { timeoutMs: 10, asOwner: false };
  assert.equal(encodeProbe(1, { ...r, mount: { id: 42, device: '0:51' } }, '2f'), 'P 1 10 0 - 42 0:51 2f\n');
  assert.equal(encodeProbe(1, { ...r, mount: { id: 42 } }, '2f'), 'P 1 10 0 - 42 - 2f\n');
  // A device that is not "major:minor" is left out rather than sent as a field that would shift the rest.
  assert.equal(encodeProbe(1, { ...r, mount: { id: 42, device: 'a b' } }, '2f'), 'P 1 10 0 - 42 - 2f\n');
  assert.equal(encodeProbe(1, { ...r, asUser: { uid: 1000, gid: 100 } }, '2f'), 'P 1 10 0 1000:100 -1 - 2f\n');
});

test('answer lines parse into events; unknown lines are ignored', () => {
  assert.deepEqual(parseProberLine('S 3 1234'), { type: 'started', forks: [{ id: 3, pid: 1234 }] });
  assert.deepEqual(parseProberLine('S 3 1234 4 1240'), { type: 'started', forks: [{ id: 3, pid: 1234 }, { id: 4, pid: 1240 }] });
  assert.deepEqual(parseProberLine('H 3 1234 1000500'), { type: 'hung', id: 3, pid: 1234, latencyUs: 1000500 });
  assert.deepEqual(parseProberLine('X 3 1234 -1 9'), { type: 'reaped', id: 3, pid: 1234, code: -1, signal: 9 });
  const o = parseProberLine('O 1 99 250 4 751 0 0 4096 256 250 250 1000 990');
  assert.equal(o?.type, 'answer');
  const r = o?.type === 'answer' ? toResult(o.answer, o.pid, o.latencyUs / 1000) : undefined;
  assert.deepEqual(r, {
    state: 'ok', pid: 99, latencyMs: 0.25, entries: 4, mode: 0o751, uid: 0, gid: 0,
    capacity: { totalBytes: 256 * 4096, freeBytes: 250 * 4096, availBytes: 250 * 4096, totalInodes: 1000, freeInodes: 990 },
  });
  assert.equal(o?.type === 'answer' && o.reaped, undefined);
  assert.deepEqual(parseProberLine('Y'), { type: 'alive' });
  assert.equal(parseProberLine('Z what'), undefined);
});

test('an answer line may carry its reap as two trailing fields (version 2), for every kind of answer', () => {
  const o = parseProberLine('O 1 99 250 4 751 0 0 4096 256 250 250 1000 990 0 0');
  assert.ok(o?.type === 'answer' && o.answer.kind === 'O');
  assert.deepEqual(o.reaped, { code: 0, signal: 0 });
  assert.equal(o.answer.ffree, 990);
  const d = parseProberLine('D 5 77 30 4000 0 -1 9');
  assert.ok(d?.type === 'answer' && d.answer.kind === 'D');
  assert.deepEqual(d.reaped, { code: -1, signal: 9 });
  assert.equal(d.answer.uid, 0);
  const e = parseProberLine(`E 2 0 0 ${constants.errno.ENOMEM} fork -1 0`);
  assert.ok(e?.type === 'answer' && e.answer.kind === 'E');
  assert.deepEqual(e.reaped, { code: -1, signal: 0 });
  assert.equal(e.answer.stage, 'fork');
  const plain = parseProberLine(`E 2 50 10 ${constants.errno.EIO} stat`);
  assert.ok(plain?.type === 'answer' && plain.reaped === undefined);
});

test('errno numbers become this platform\'s names and libuv messages; stages are kept', () => {
  const e = parseProberLine(`E 2 50 10 ${constants.errno.ENOTCONN} stat`);
  assert.ok(e?.type === 'answer');
  assert.deepEqual(toResult(e.answer, 50, 0.01), { state: 'error', pid: 50, latencyMs: 0.01, errno: 'ENOTCONN', stage: 'stat', message: 'socket is not connected' });
  const odd = parseProberLine(`E 2 50 10 ${constants.errno.EIO} bogus`);
  assert.ok(odd?.type === 'answer' && odd.answer.kind === 'E' && odd.answer.stage === 'fork');
});

test("denied uses the seed's wording with at least three octal digits", () => {
  assert.equal(deniedMessage(0o4000), 'mode 4000 does not allow access');
  assert.equal(deniedMessage(0), 'mode 000 does not allow access');
  assert.equal(deniedMessage(0o40070), 'mode 070 does not allow access');
  const d = parseProberLine('D 5 77 30 4000 0');
  assert.ok(d?.type === 'answer');
  assert.deepEqual(toResult(d.answer, 77, 0.03), { state: 'denied', pid: 77, latencyMs: 0.03, mode: 0o4000, uid: 0, message: 'mode 4000 does not allow access' });
});

test('the kernel-internal codes an NFS client returns (ERESTARTSYS from an aborted call) are named and worded, never "Unknown system error"', () => {
  // A FUSE daemon cannot give them (this kernel refuses an error of -512 or below from it), so the real
  // one is the NFS lab's: a statfs aborted by `umount -f`.
  const cases: [number, string][] = [[512, 'ERESTARTSYS'], [516, 'ERESTART_RESTARTBLOCK'], [521, 'EBADHANDLE'], [524, 'ENOTSUPP'], [529, 'EIOCBQUEUED']];
  for (const [errno, name] of cases) {
    const e = parseProberLine(`E 2 50 10 ${errno} statfs`);
    assert.ok(e?.type === 'answer');
    const r = toResult(e.answer, 50, 0.01);
    assert.ok(r.state === 'error');
    assert.equal(r.errno, name);
    assert.match(r.message, /^[A-Z][^]*\(a kernel-internal (NFS )?code\)$/);
    const status = statusFromProbe(r, 10);
    assert.equal(status.errno, name);
    assert.equal(status.message, r.message);
    assert.equal(lines.errnoFailure('/mnt/x', name, status.message).text, `Couldn't check mountpoint /mnt/x: ${name}: ${r.message}`);
  }
  assert.equal(errnoName(512, 'darwin'), 'Unknown system error -512', "another kernel's 512 is not Linux's ERESTARTSYS");
});
