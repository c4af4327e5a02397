// How `check` and `status` print a sweep: the table's summary line and its rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable } from '../../../src/helper/cli/report-format.js';
import type { MountStatus } from '../../../src/common/mount.js';

function status(mountpoint: string, state: MountStatus['state'], extra: Partial<MountStatus> = {}): MountStatus {
  return { mountpoint, source: 'tmpfs', fstype: 'tmpfs', mountId: 1, state, since: 0, ...extra };
}

test('summary: a count of one is singular, as in the log lines (match with `mounts? in`)', () => {
  const one = formatTable({ checked: 1, dead: 0, seconds: 0.004, mounts: [status('/', 'ok', { latencyMs: 1 })], problems: [] });
  assert.match(one, /\nChecked 1 mount in 0\.00 seconds: 0 dead\n$/);
  const two = formatTable({ checked: 2, dead: 1, seconds: 2, mounts: [status('/', 'ok'), status('/n', 'hung')], problems: [] });
  assert.match(two, /\nChecked 2 mounts in 2\.00 seconds: 1 dead\n$/);
});

test('rows: problems first, control characters in paths escaped, one line per mount', () => {
  const out = formatTable({
    checked: 2,
    dead: 1,
    seconds: 1,
    mounts: [status('/a\nb', 'ok'), status('/x\x1b[2J', 'error', { errno: 'EIO', message: 'input/output error' })],
    problems: [],
  });
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[1]!, /^ERROR\s+\/x\\033\[2J\s+tmpfs\s+tmpfs\s+EIO: input\/output error$/);
  assert.match(lines[2]!, /^ok\s+\/a\\012b\s/);
});

test('the table says how many processes the blocked scan did not examine', () => {
  const hung = (blocked: MountStatus['blocked']): MountStatus => ({ mountpoint: '/mnt/x', source: 'x', fstype: 'fuse.x', mountId: 9, state: 'hung', message: 'no answer', since: 0, ...(blocked ? { blocked } : {}) });
  const table = (m: MountStatus) => formatTable({ checked: 1, dead: 1, seconds: 1, mounts: [m], problems: [] });
  assert.match(table(hung({ count: 1, processes: [{ pid: 7, comm: 'cat', uid: 0 }], unexamined: 25 })), /no answer; 1 process waiting: cat\[7\]; 25 more processes were not examined/);
  assert.match(table(hung({ count: 0, processes: [], unexamined: 3 })), /no answer; 3 processes were not examined/);
  assert.match(table(hung(undefined)), /no answer\s*$/m);
});
