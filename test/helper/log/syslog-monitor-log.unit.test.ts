// The monitor's events as the log's lines, end to end: a Monitor over a fake prober and a real mount-table
// reader, its log the helper's adapter over a Log that keeps what it is given. The bugs once found here: a
// permission errno was logged at err with the errno named twice (`EACCES: EACCES: permission denied (at
// opendir)`), and an unreadable table said its error twice and always named /proc/self/mountinfo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLine } from '../../../src/helper/log/lines.js';
import { monitorLogFor } from '../../../src/helper/log/syslog-monitor-log.js';
import { createMountTableReader } from '../../../src/node/mount-table/read-mount-table.js';
import { tick } from '../../node/monitor/fake-prober.js';
import { entry, setup } from '../../node/monitor/monitor-fixtures.js';

function keptLog(): { log: { line(l: LogLine): void }; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { log: { line: (l) => void lines.push(l) }, lines };
}

test('a permission errno is a warning naming the errno once and the refused call; the mode line is the seed\'s', async () => {
  const kept = keptLog();
  const { prober, monitor } = setup([entry(10, '/x'), entry(11, '/closed')], { log: monitorLogFor(kept.log) });
  const sweep = monitor.sweep();
  await tick();
  prober.inFlightFor('/x')[0]!.answer({ state: 'error', errno: 'EACCES', message: 'EACCES: permission denied', stage: 'opendir' });
  prober.inFlightFor('/closed')[0]!.answer({ state: 'denied', mode: 0o4000, message: 'mode 4000 does not allow access' });
  const report = await sweep;
  assert.deepEqual(report.mounts.map((m) => m.state), ['denied', 'denied']);
  assert.deepEqual(kept.lines, [
    { severity: 'warning', text: "Couldn't check mountpoint /x: EACCES: Permission denied (at opendir)" },
    { severity: 'warning', text: "Couldn't check mountpoint /closed: mode 4000 does not allow access" },
    { severity: 'info', text: 'Checked 2 mounts in 0 seconds' },
  ]);
});

test('an unreadable mount table: the table it tried, the errno once, and the sweep skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logs-table-'));
  try {
    const kept = keptLog();
    const missing = join(dir, 'no-such-mountinfo');
    const { monitor } = setup([], { log: monitorLogFor(kept.log), readMountTable: createMountTableReader({ platform: 'linux', mountinfoPath: missing }) });
    await assert.rejects(monitor.sweep(), /cannot read the mount table/);
    const garbage = join(dir, 'garbage');
    writeFileSync(garbage, 'not a mountinfo line\n');
    const second = setup([], { log: monitorLogFor(kept.log), readMountTable: createMountTableReader({ platform: 'linux', mountinfoPath: garbage }) });
    await assert.rejects(second.monitor.sweep(), /no readable entries/);
    assert.deepEqual(kept.lines, [
      { severity: 'err', text: `Couldn't read the mount table ${missing}: ENOENT: No such file or directory; skipping this sweep` },
      { severity: 'err', text: `Couldn't read the mount table ${garbage}: it has no readable entries (1 malformed line); skipping this sweep` },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a malformed line names the table it is in; a kernel report names its server and how many mounts it probes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logs-table-'));
  try {
    const table = join(dir, 'mountinfo');
    writeFileSync(table, '36 1 0:40 / /home rw - nfs4 nfs1:/home rw,addr=10.0.0.5\nbroken\n');
    const kept = keptLog();
    const { prober, monitor } = setup([], { log: monitorLogFor(kept.log), readMountTable: createMountTableReader({ platform: 'linux', mountinfoPath: table }) });
    const sweep = monitor.sweep();
    for (let i = 0; i < 1000 && prober.inFlightFor('/home').length === 0; i++) await tick(); // the table is read from a file
    prober.inFlightFor('/home')[0]!.answer({ state: 'ok' });
    prober.inFlightFor('/home')[0]!.exit();
    await sweep;
    assert.deepEqual(monitor.serverSignal('nfs1', 'not-responding', 'nfs: server nfs1 not responding, still trying'), ['/home']);
    assert.deepEqual(kept.lines.map((l) => [l.severity, l.text]), [
      ['warning', `Skipped line 2 of ${table}: too few fields (1, need at least 10): broken`],
      ['info', 'Checked 1 mounts in 0 seconds'],
      ['warning', 'Kernel reports server nfs1 not responding: probing its 1 mount now'],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
