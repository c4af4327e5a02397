// What a mount may cost on the wire: long texts cut with a marker that is the same in every message,
// never more than MAX_WIRE_TEXT_BYTES of JSON, never a split character; a snapshot too big for its frame
// sent in part with problems first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fitSnapshot, wireMessage, wireMount, wireText } from '../../../src/helper/ipc/wire-caps.js';
import { MAX_WIRE_TEXT_BYTES } from '../../../src/common/protocol.js';
import { mountStatus } from './fake-monitor.js';

const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

test('a text that fits is sent as it is, up to the last byte of the bound', () => {
  assert.equal(wireText('/home'), '/home');
  const exact = 'a'.repeat(MAX_WIRE_TEXT_BYTES - 2);
  assert.equal(wireText(exact), exact);
  const controls = '\x01'.repeat(Math.floor((MAX_WIRE_TEXT_BYTES - 2) / 6));
  assert.equal(wireText(controls), controls);
  assert.notEqual(wireText(exact + 'a'), exact + 'a');
  assert.notEqual(wireText(controls + '\x01'), controls + '\x01');
});

test('a deep mount: 3,000 nested 255-byte names of control bytes cost at most the bound', () => {
  const name = '\x01'.repeat(255);
  const path = `/tmp/u/deep/${Array(3000).fill(name).join('/')}/a/mnt`;
  assert.ok(jsonBytes(path) > 4 * 1024 * 1024, `the whole path is ${jsonBytes(path)} bytes of JSON`);
  const started = process.hrtime.bigint();
  const cut = wireText(path);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`# cut a ${Buffer.byteLength(path)}-byte path in ${ms.toFixed(1)} ms: ${jsonBytes(cut)} bytes of JSON`);
  assert.ok(jsonBytes(cut) <= MAX_WIRE_TEXT_BYTES, `${jsonBytes(cut)} bytes`);
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 12);
  assert.ok(cut.includes(`…[${Buffer.byteLength(path)} bytes, sha256 ${hash}]…`), cut.slice(0, 80));
  assert.ok(cut.startsWith('/tmp/u/deep/\x01'), 'the head is the path\'s start');
  assert.ok(cut.endsWith('\x01/a/mnt'), 'the tail is the path\'s end');
  assert.equal(wireText(path), cut, 'the same cut every time (the app keys mounts by it)');
  assert.equal(wireText(path.slice(0, -1) + 'x').endsWith('/a/mnx'), true);
  assert.notEqual(wireText(path.replace('/deep/', '/deeq/')), cut, 'another path, another marker');
});

test('characters are never split: surrogate pairs stay whole at both ends of the cut', () => {
  for (const pad of ['', 'a', 'ab']) {
    const text = pad + '😀'.repeat(2000) + pad;
    const cut = wireText(text);
    assert.doesNotMatch(cut, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/, `no lone surrogate (pad ${JSON.stringify(pad)})`);
    assert.ok(jsonBytes(cut) <= MAX_WIRE_TEXT_BYTES);
    assert.ok(jsonBytes(cut) > MAX_WIRE_TEXT_BYTES - 16, 'the bound is used, not wasted');
  }
  const quotes = '"\\'.repeat(1000);
  assert.ok(jsonBytes(wireText(quotes)) <= MAX_WIRE_TEXT_BYTES);
});

test('a mount with long texts: those cut, their full lengths in truncated, the rest and the input untouched', () => {
  const long = '/srv/' + 'x'.repeat(5000);
  const m = mountStatus(long, 'error', { source: 'me@host:' + 'y'.repeat(3000), errno: 'ENAMETOOLONG', automount: { role: 'automounted', autofsMountpoint: long } });
  const w = wireMount(m);
  assert.equal(m.mountpoint, long, 'the input is not changed');
  assert.deepEqual(w.truncated, { mountpoint: 5005, source: 3008, 'automount.autofsMountpoint': 5005 });
  assert.equal(w.fstype, 'tmpfs');
  assert.equal(w.errno, 'ENAMETOOLONG');
  assert.equal(w.automount?.autofsMountpoint, w.mountpoint);
  assert.equal(w.automount?.role, 'automounted');
  assert.ok(jsonBytes(w) < 4 * MAX_WIRE_TEXT_BYTES);
  const short = mountStatus('/home');
  assert.equal(wireMount(short), short, 'nothing to cut: the same object');
  const removed = wireMessage({ type: 'event', event: { type: 'removed', mountpoint: long } });
  assert.deepEqual(removed, { type: 'event', event: { type: 'removed', mountpoint: w.mountpoint } });
  const recheck = wireMessage({ type: 'recheck', id: 3, result: { started: [long, '/home'], skipped: [{ mountpoint: long, reason: 'stuck' }] } });
  assert.deepEqual(recheck, { type: 'recheck', id: 3, result: { started: [w.mountpoint, '/home'], skipped: [{ mountpoint: w.mountpoint, reason: 'stuck' }] } });
});

test('a snapshot too big for its frame: problems first, then table order, and how many were left out', () => {
  const mounts = Array.from({ length: 20_000 }, (_, i) => mountStatus(`/var/lib/containers/storage/overlay/${String(i).padStart(64, '0')}/merged`, i % 997 === 5 ? 'hung' : 'ok'));
  const snapshot = { identity: { mode: 'system' as const, privileged: true, pid: 1, version: '1' }, mounts };
  const max = 4 * 1024 * 1024;
  assert.ok(jsonBytes({ type: 'snapshot', id: 7, snapshot }) > max);
  const fit = fitSnapshot(snapshot, 7, max);
  const size = jsonBytes({ type: 'snapshot', id: 7, snapshot: fit });
  console.log(`# 20,000 mounts: ${fit.mounts.length} sent in ${size} bytes, ${fit.omitted} left out`);
  assert.ok(size <= max, `${size} bytes`);
  assert.ok(size > max - 1024, 'the frame is filled');
  assert.equal(fit.omitted, mounts.length - fit.mounts.length);
  const hung = mounts.filter((m) => m.state === 'hung');
  assert.deepEqual(fit.mounts.filter((m) => m.state === 'hung'), hung, 'every hung mount is in');
  const ok = fit.mounts.filter((m) => m.state === 'ok');
  assert.deepEqual(ok, mounts.filter((m) => m.state === 'ok').slice(0, ok.length), 'then the healthy ones in table order');
  assert.deepEqual(fit.mounts, mounts.filter((m) => fit.mounts.includes(m)), 'in table order');
});
