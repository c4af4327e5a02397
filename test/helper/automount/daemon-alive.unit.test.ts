import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { DaemonWatch, daemonStatuses, livePgrps, pgrpFromStat } from '../../../src/helper/automount/daemon-alive.js';
import type { ProcReader } from '../../../src/helper/automount/usage.js';

test('pgrp from /proc/PID/stat, with a comm holding spaces and parentheses', () => {
  assert.deepEqual(pgrpFromStat('900 (automount) S 1 900 900 0 -1 4194560 ...'), { pgrp: 900, state: 'S' });
  assert.deepEqual(pgrpFromStat('77 (a) b (c)) Z 1 55 55 0'), { pgrp: 55, state: 'Z' });
  assert.equal(pgrpFromStat('nonsense'), undefined);
});

test('live groups ignore zombies; statuses per autofs mount; the watch logs changes once', () => {
  const stats: Record<number, string> = { 900: '900 (automount) S 1 900 900', 901: '901 (mount) Z 900 901 900', 1: '1 (init) S 0 1 1' };
  const proc: ProcReader = { pids: () => [900, 901, 1], list: () => undefined, readlink: () => undefined, read: (p) => stats[Number(p.split('/')[2])] };
  assert.deepEqual([...livePgrps(proc)].sort(), [1, 900]);
  const entries = parseMountinfo(
    ['1 0 1:1 / / rw - ext4 a rw', '20 1 0:40 / /home rw - autofs auto.home rw,fd=5,pgrp=900,timeout=300,indirect', '21 1 0:41 / /net rw - autofs -hosts rw,fd=-1,pgrp=901,timeout=300,indirect,pipe_ino=-1'].join('\n'),
  ).entries;
  const st = daemonStatuses(entries, livePgrps(proc));
  assert.deepEqual(st.map((s) => [s.mountpoint, s.alive, s.catatonic]), [['/home', true, false], ['/net', false, true]]);
  const w = new DaemonWatch();
  assert.deepEqual(w.update(st).map((l) => [l.level, l.line]), [['err', 'automount daemon (pgrp 901) is gone and autofs went catatonic: new accesses under /net fail (ENOENT) instead of mounting']]);
  assert.deepEqual(w.update(st), [], 'not again while it stays dead');
  const back = st.map((s) => ({ ...s, alive: true }));
  assert.deepEqual(w.update(back).map((l) => l.line), ['automount daemon for /net is back (pgrp 901)']);
});
