import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MonitorApi, MonitorEvent, Snapshot } from '../../../src/common/monitor-api.js';
import { eventLine, renderTable, startLiveTable } from '../../../src/main/terminal/live-table.js';
import { EMBEDDED, SYSTEM, mount, nfs, snapshot } from '../fixtures.js';
import { setTimeout as sleep } from 'node:timers/promises';

const absent = { state: 'absent' as const, message: 'helper not running — start it with: sudo systemctl start mount-status-monitor' };

test('table: home mount first, problem in words, no escapes without colour', () => {
  const snap = snapshot([mount('/', 'ok', { latencyMs: 3 }), nfs('/data', 'nfs2', 'ok', { latencyMs: 12 }), nfs('/home', 'nfs1', 'hung', { since: 0 })], EMBEDDED);
  const lines = renderTable(snap, { now: 180_000, width: 140, home: '/home/alice', color: false, connection: absent });
  assert.equal(lines[0], 'Mount Status Monitor — DEAD — 2 mounts OK, 1 not responding');
  assert.equal(lines[1], 'monitoring in-app as you: probes cannot switch owner');
  assert.equal(lines[2], absent.message);
  const rows = lines.slice(lines.findIndex((l) => l.startsWith('STATE')) + 1);
  assert.match(rows[0]!, /^⌂ not responding\s+3 min\s+\/home\s+nfs1:\/export\/home: did not answer within 10 s$/);
  assert.match(rows[1]!, /^OK\s+3.0 ms\s+3 min\s+\/\s+tmpfs$/);
  assert.ok(lines.every((l) => !l.includes('\x1b')));
});

test('non-TTY: one line per change, none for unchanged state, sweep summary in the seed wording', () => {
  const m = nfs('/data', 'nfs2', 'error', { errno: 'EIO', message: 'input/output error' });
  assert.equal(eventLine({ type: 'mount', mount: m, previous: 'ok' }, 0), '1970-01-01T00:00:00.000Z /data (nfs2:/export/data) OK -> failing: EIO: input/output error');
  assert.equal(eventLine({ type: 'mount', mount: m, previous: 'error' }, 0), undefined);
  assert.equal(eventLine({ type: 'sweep', summary: { checked: 37, seconds: 60, dead: 1, finishedAt: 0 } }, 0), '1970-01-01T00:00:00.000Z Checked 37 mounts in 60 seconds: 1 dead');
  assert.equal(eventLine({ type: 'removed', mountpoint: '/x' }, 0), '1970-01-01T00:00:00.000Z /x unmounted');
});

test('non-TTY live output: the table once, then lines as events come; stop() ends it', async () => {
  const listeners = new Set<(e: MonitorEvent) => void>();
  let snap: Snapshot = snapshot([mount('/', 'ok')], EMBEDDED);
  const api: MonitorApi = {
    snapshot: async () => snap,
    onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
    recheck: async () => ({ started: [], skipped: [] }),
  };
  let out = '';
  const table = startLiveTable({ api, output: { write: (s: string) => (out += s) }, connection: () => absent, now: () => 0 });
  await sleep(20);
  assert.match(out, /^Mount Status Monitor — OK — 1 mount OK\n/);
  const dead = nfs('/n', 'nfs1', 'hung');
  snap = snapshot([mount('/', 'ok'), dead], EMBEDDED);
  for (const l of listeners) l({ type: 'mount', mount: dead, previous: null });
  assert.match(out, /\/n \(nfs1:\/export\/n\) not responding: did not answer within 10 s\n$/);
  table.stop();
  await table.done;
  assert.equal(listeners.size, 0);
  assert.ok(!out.includes('\x1b'));
});

// Mountpoints come from the mount table, and an unprivileged user can name a FUSE mount (fusermount3)
// with any bytes but / and NUL: raw, an ESC sequence in it would clear or rewrite the admin's terminal,
// and a newline would split a row (or a piped line) in two.
test('table and lines: control characters in mountpoints, sources and errors are escaped, one row per mount', () => {
  const evil = mount('/tmp/x\x1b[2J\x1b[31mRED', 'ok', { source: 'src\x1b]0;title\x07' });
  const nl = mount('/tmp/nl\nline', 'error', { errno: 'EIO', message: 'bad\nthing' });
  const snap = snapshot([evil, nl], SYSTEM);
  const lines = renderTable(snap, { now: 0, width: 140, color: false, connection: { state: 'connected' } });
  assert.ok(lines.every((l) => !/[\x00-\x1f\x7f]/.test(l)), JSON.stringify(lines));
  const rows = lines.slice(lines.findIndex((l) => l.startsWith('STATE')) + 1);
  assert.equal(rows.length, 2);
  assert.match(rows[0]!, /\/tmp\/nl\\012line\s+tmpfs: EIO/);
  assert.match(rows[1]!, /\/tmp\/x\\033\[2J\\033\[31mRED\s+src\\033\]0;title\\007$/);
  for (const event of [
    { type: 'mount', mount: nl, previous: 'ok' },
    { type: 'mount', mount: evil, previous: null },
    { type: 'removed', mountpoint: evil.mountpoint },
  ] as MonitorEvent[]) {
    const line = eventLine(event, 0)!;
    assert.ok(!/[\x00-\x1f\x7f]/.test(line), JSON.stringify(line));
  }
});

test('table: every line fits the terminal width, so nothing wraps and the title never scrolls away', () => {
  const snap = snapshot([mount('/', 'ok', { latencyMs: 1 }), nfs('/home', 'nfs1', 'hung', { since: 0 })], EMBEDDED);
  for (const width of [30, 40, 60, 80]) {
    const lines = renderTable(snap, { now: 180_000, width, color: false, connection: absent });
    assert.match(lines[0]!, /^Mount Status Monitor/);
    for (const l of lines) assert.ok([...l].length <= width, `width ${width}: ${JSON.stringify(l)} is ${[...l].length} long`);
  }
});

test('TTY: a frame on a small terminal has at most its rows and columns', async () => {
  const mounts = Array.from({ length: 20 }, (_, i) => mount(`/mnt/m${i}`, 'ok'));
  const api: MonitorApi = { snapshot: async () => snapshot(mounts, EMBEDDED), onChange: () => () => undefined, recheck: async () => ({ started: [], skipped: [] }) };
  let out = '';
  const table = startLiveTable({ api, output: { write: (s: string) => (out += s), isTTY: true, columns: 50, rows: 12 }, connection: () => absent, now: () => 0 });
  await sleep(20);
  table.stop();
  await table.done;
  const frame = out.slice(out.lastIndexOf('\x1b[2J') + 4, out.lastIndexOf('\x1b[?25h'));
  const visible = frame.split('\r\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
  assert.ok(visible.length <= 12, `${visible.length} lines`);
  assert.match(visible[0]!, /^Mount Status Monitor/);
  for (const l of visible) assert.ok([...l].length <= 50, JSON.stringify(l));
});

test('counts of one are singular, as in the log lines', () => {
  assert.equal(eventLine({ type: 'sweep', summary: { checked: 1, seconds: 1, dead: 1, finishedAt: 0 } }, 0), '1970-01-01T00:00:00.000Z Checked 1 mount in 1 second: 1 dead');
  const lines = renderTable(snapshot([mount('/', 'ok')], EMBEDDED), { now: 1001, width: 120, color: false, connection: absent });
  assert.ok(lines.some((l) => l.includes('checked 1 mount in 0 seconds, 0 dead')), JSON.stringify(lines));
});
