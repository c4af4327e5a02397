import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MonitorApi, MonitorEvent, Snapshot } from '../../../src/common/monitor-api.js';
import { eventLine, renderTable, startLiveTable } from '../../../src/main/terminal/live-table.js';
import { EMBEDDED, mount, nfs, snapshot } from '../tray/fixtures.js';

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
  await new Promise((r) => setTimeout(r, 20));
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
