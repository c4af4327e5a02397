import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IpcError,
  PROTOCOL_VERSION,
  fromWireError,
  isCompatibleProtocol,
  toWireError,
} from '../../src/common/protocol.js';
import { parseHelperMessage, parseRequest } from '../../src/common/protocol-schemas.js';

test('requests of every type parse; unknown fields are stripped', () => {
  for (const m of [
    { type: 'hello', id: 0, protocol: 1, client: 'tray' },
    { type: 'snapshot', id: 1 },
    { type: 'subscribe', id: 2 },
    { type: 'unsubscribe', id: 3 },
    { type: 'recheck', id: 4 },
    { type: 'recheck', id: 5, mountpoint: '/home' },
    { type: 'unmount', id: 6, mountpoint: '/mnt/x', mode: 'force' },
    { type: 'unmount', id: 7, mountpoint: '/mnt/x', mode: 'lazy', evenIfHealthy: true, dryRun: true },
  ]) {
    const r = parseRequest(JSON.stringify({ ...m, extra: 'x' }));
    assert.ok(r.ok, JSON.stringify(m));
    assert.deepEqual(r.message, m);
  }
});

test('bad requests: each failure has its code, and the id when readable', () => {
  const cases: [string, string, number | null][] = [
    ['not json', 'bad-json', null],
    ['', 'bad-json', null],
    ['null', 'bad-message', null],
    ['[]', 'bad-message', null],
    ['{"id": 4}', 'bad-message', 4],
    ['{"type": "format", "id": 4}', 'unknown-type', 4],
    ['{"type": "snapshot", "id": 1.5}', 'bad-message', null],
    ['{"type": "recheck", "id": 2, "mountpoint": null}', 'bad-message', 2],
    [JSON.stringify({ type: 'recheck', id: 3, mountpoint: '/' + 'a'.repeat(5000) }), 'bad-message', 3],
    ['{"type": "hello", "id": 9, "protocol": "1", "client": "x"}', 'bad-message', 9],
    ['{"type": "__proto__", "id": 1}', 'unknown-type', 1],
    ['{"type": "unmount", "id": 5, "mountpoint": "/mnt/x", "mode": "gently"}', 'bad-message', 5],
    ['{"type": "unmount", "id": 6, "mode": "force"}', 'bad-message', 6],
    ['{"type": "unmount", "id": 7, "mountpoint": "/mnt/x", "mode": "force", "dryRun": "yes"}', 'bad-message', 7],
  ];
  for (const [text, code, id] of cases) {
    const r = parseRequest(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) {
      assert.equal(r.error.code, code, text);
      assert.equal(r.id, id, text);
      assert.ok(r.error.message.length > 0);
    }
  }
});

test('helper messages are validated too: a bad state or a missing field is refused', () => {
  const mount = { mountpoint: '/home', source: 'nfs1:/home', fstype: 'nfs4', mountId: 5, state: 'hung', since: 1 };
  assert.ok(parseHelperMessage(JSON.stringify({ type: 'event', event: { type: 'mount', mount, previous: null } })).ok);
  // A newer helper may add fields: they pass through.
  const newer = parseHelperMessage(JSON.stringify({ type: 'event', event: { type: 'mount', mount: { ...mount, newField: 1 }, previous: 'ok' } }));
  assert.ok(newer.ok && newer.message.type === 'event' && (newer.message.event as any).mount.newField === 1);
  assert.equal(parseHelperMessage(JSON.stringify({ type: 'event', event: { type: 'mount', mount: { ...mount, state: 'melted' }, previous: null } })).ok, false);
  assert.equal(parseHelperMessage(JSON.stringify({ type: 'snapshot', id: 1, snapshot: { mounts: [] } })).ok, false);
  const err = parseHelperMessage(JSON.stringify({ type: 'error', id: null, error: { name: 'IpcError', message: 'm', code: 'rate-limited', retryAfterMs: 10 } }));
  assert.ok(err.ok);
});

test('an unmount reply is validated; a newer helper\'s extra fields pass', () => {
  const result = { mountpoint: '/mnt/x', mode: 'force', dryRun: false, state: 'hung', plan: [{ mountpoint: '/mnt/x', mountId: 5, fstype: 'nfs4', source: 'n:/x', server: 'n' }], steps: ['/mnt/x: unmounted'], gone: true, outcome: 'unmounted', later: 1 };
  const ok = parseHelperMessage(JSON.stringify({ type: 'unmount', id: 3, result }));
  assert.ok(ok.ok && ok.message.type === 'unmount' && (ok.message.result as any).later === 1);
  assert.equal(parseHelperMessage(JSON.stringify({ type: 'unmount', id: 3, result: { ...result, outcome: 'vanished' } })).ok, false);
  assert.equal(parseHelperMessage(JSON.stringify({ type: 'unmount', id: 3, result: { ...result, gone: 'yes' } })).ok, false);
});

test('errors cross as {name, message, code} and come back as IpcError', () => {
  const wire = toWireError(Object.assign(new Error('nope'), { name: 'RecheckError', code: 'not-a-mountpoint' }));
  assert.deepEqual(wire, { name: 'RecheckError', message: 'nope', code: 'not-a-mountpoint' });
  assert.deepEqual(toWireError(new TypeError('x')), { name: 'TypeError', message: 'x', code: 'internal' });
  assert.deepEqual(toWireError('str'), { name: 'Error', message: 'str', code: 'internal' });
  const back = fromWireError({ name: 'IpcError', message: 'slow down', code: 'rate-limited', retryAfterMs: 900 });
  assert.ok(back instanceof IpcError && back.code === 'rate-limited' && back.retryAfterMs === 900 && back.message === 'slow down');
});

test('only the same major is compatible', () => {
  assert.equal(PROTOCOL_VERSION, 1);
  assert.equal(isCompatibleProtocol(1), true);
  assert.equal(isCompatibleProtocol(0), false);
  assert.equal(isCompatibleProtocol(2), false);
});
