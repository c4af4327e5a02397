import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { classifyAutomounts, deadDaemonMessage } from '../../../src/node/automount/policy.js';
import { automountedIds } from '../../../src/node/automount/refine-plan.js';

const table = (lines: string[]) => parseMountinfo(lines.join('\n') + '\n').entries;

const BASE = [
  '1 0 254:0 / / rw - ext4 /dev/vda rw',
  '20 1 0:40 / /home rw,relatime - autofs auto.home rw,fd=5,pgrp=900,timeout=300,minproto=5,maxproto=5,indirect,pipe_ino=1234',
  '21 20 0:50 / /home/alice rw - nfs4 nfs1:/home/alice rw,vers=4.2',
  '22 20 0:51 / /home/bob rw - nfs4 nfs1:/home/bob rw,vers=4.2',
  '23 1 0:41 / /data rw - autofs /etc/auto.direct rw,fd=6,pgrp=900,timeout=60,minproto=5,maxproto=5,direct,strictexpire',
  '24 23 0:52 / /data rw - nfs nfs2:/data rw,vers=3',
  '25 1 0:53 / /srv rw - nfs nfs3:/srv rw',
];

test('triggers are never probed; idle automounts are idle; busy ones and strictexpire ones are probed', () => {
  const d = classifyAutomounts(table(BASE), new Set([21, 20, 1]), new Set([900]));
  assert.deepEqual(d.get(20), {
    role: 'trigger', probe: false, message: 'autofs trigger (map auto.home, indirect): never probed, a probe would mount it',
    map: 'auto.home', autofsMountpoint: '/home', autofsMountId: 20, timeoutSeconds: 300, strictexpire: false, daemonAlive: true, daemonPgrp: 900,
  });
  assert.equal(d.get(23)?.role, 'trigger');
  assert.equal(d.get(23)?.probe, false);
  assert.equal(d.get(21)?.probe, true);
  assert.equal(d.get(21)?.busy, true);
  assert.equal(d.get(21)?.state, undefined);
  assert.deepEqual(d.get(22), {
    role: 'automounted', probe: false, busy: false, state: 'idle', message: 'automounted, idle: left alone so it can expire (timeout 300 s)',
    map: 'auto.home', autofsMountpoint: '/home', autofsMountId: 20, timeoutSeconds: 300, strictexpire: false, daemonAlive: true, daemonPgrp: 900,
  });
  // Direct map with strictexpire: a path walk does not refresh last_used, so probing is harmless.
  assert.equal(d.get(24)?.probe, true);
  assert.equal(d.get(24)?.busy, false);
  assert.equal(d.get(24)?.strictexpire, true);
  assert.equal(d.has(25), false, 'a mount with no autofs above it is not ours to decide');
  assert.equal(d.has(1), false);
});

test('timeout=0 never expires: probing it defeats nothing', () => {
  const d = classifyAutomounts(table([BASE[0]!, '30 1 0:40 / /net rw - autofs -hosts rw,fd=5,pgrp=900,timeout=0,indirect', '31 30 0:60 / /net/h rw - nfs h:/ rw']), new Set(), new Set([900]));
  assert.equal(d.get(31)?.probe, true);
});

test('a mount nested under an automount: every autofs on the path must be safe, or the mount busy', () => {
  const lines = [
    BASE[0]!,
    '40 1 0:40 / /a rw - autofs auto.a rw,fd=5,pgrp=900,timeout=300,indirect,strictexpire',
    '41 40 0:70 / /a/b rw - nfs s:/b rw',
    '42 41 0:71 / /a/b/c rw - autofs auto.c rw,fd=7,pgrp=900,timeout=300,indirect',
    '43 42 0:72 / /a/b/c/d rw - nfs s:/d rw',
    '44 41 0:73 / /a/b/e rw - tmpfs tmpfs rw',
  ];
  const d = classifyAutomounts(table(lines), new Set(), new Set([900]));
  assert.equal(d.get(41)?.probe, true, 'strictexpire on /a');
  assert.equal(d.get(43)?.probe, false, '/a/b/c is not strictexpire');
  assert.equal(d.get(43)?.autofsMountpoint, '/a/b/c', 'nearest autofs');
  assert.equal(d.get(44)?.role, 'automounted');
  assert.equal(d.get(44)?.probe, true);
  assert.equal(classifyAutomounts(table(lines), new Set([43, 42, 41, 40, 1]), new Set([900])).get(43)?.probe, true);
  assert.deepEqual([...automountedIds(table(lines))].sort(), [41, 43, 44]);
});

test('a dead daemon: the trigger says so; before and after the kernel goes catatonic', () => {
  const d = classifyAutomounts(table(BASE), new Set(), new Set([1]));
  assert.equal(d.get(20)?.daemonAlive, false);
  assert.equal(d.get(20)?.message, 'automount daemon (pgrp 900) is gone: new accesses under /home will hang or fail');
  assert.equal(d.get(22)?.daemonAlive, false);
  assert.equal(d.get(22)?.state, 'idle');
  assert.equal(
    deadDaemonMessage({ pgrp: 900, mountpoint: '/home', catatonic: true }),
    'automount daemon (pgrp 900) is gone and autofs went catatonic: new accesses under /home fail (ENOENT) instead of mounting',
  );
  // pgrp=0: the daemon lives in another pid namespace; we cannot judge it.
  const other = classifyAutomounts(table([BASE[0]!, '50 1 0:40 / /x rw - autofs systemd-1 rw,fd=5,pgrp=0,timeout=0,direct']), new Set(), new Set());
  assert.equal(other.get(50)?.daemonAlive, undefined);
});

test('no autofs in the table: nothing to decide', () => {
  assert.equal(classifyAutomounts(table([BASE[0]!, BASE[6]!]), new Set(), new Set()).size, 0);
});
