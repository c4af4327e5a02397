import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  automountParentOf,
  describeAutofs,
  indexById,
  isAutomounted,
  parseAutofsOptions,
} from '../../../src/common/mount-table/autofs.js';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { parseBsdMount } from '../../../src/common/mount-table/bsd.js';
import { fixtureText } from './fixtures.js';

test('autofs superblock options', () => {
  assert.deepEqual(parseAutofsOptions('rw,fd=7,pgrp=1107,timeout=300,minproto=5,maxproto=5,indirect,pipe_ino=21406'.split(',')), {
    type: 'indirect', fd: 7, pgrp: 1107, timeoutSeconds: 300, minproto: 5, maxproto: 5, pipeIno: 21406, strictexpire: false, ignore: false,
  });
  const d = parseAutofsOptions(['rw', 'fd=13', 'pgrp=9', 'timeout=60', 'direct', 'strictexpire', 'ignore']);
  assert.equal(d.type, 'direct');
  assert.equal(d.strictexpire, true);
  assert.equal(d.ignore, true);
  assert.equal(parseAutofsOptions(['offset']).type, 'offset');
  const none = parseAutofsOptions(['rw', 'timeout=x']);
  assert.equal(none.type, 'unknown');
  assert.equal(none.timeoutSeconds, undefined);
  assert.equal(parseAutofsOptions(['timeout=0']).timeoutSeconds, 0);
});

test('describeAutofs on Linux: maps, types and the real mounts on top by parent id', () => {
  const entries = parseMountinfo(fixtureText('linux-debian12.mountinfo')).entries;
  const d = describeAutofs(entries);
  assert.deepEqual(
    d.map((a) => [a.mountpoint, a.map, a.type, a.timeoutSeconds, a.pgrp, a.strictexpire, a.systemd, a.children]),
    [
      ['/proc/sys/fs/binfmt_misc', 'systemd-1', 'direct', 0, 1, false, true, [63]],
      ['/home', 'auto.home', 'indirect', 300, 1107, false, false, [80]],
      ['/data/projects', '/etc/auto.direct', 'direct', 60, 1107, true, false, [81]],
    ],
  );
  const byId = indexById(entries);
  const alice = entries.find((e) => e.mountpoint === '/home/alice')!;
  assert.equal(automountParentOf(alice, byId)!.mountpoint, '/home');
  const projects = entries.find((e) => e.mountpoint === '/data/projects' && e.fstype === 'nfs')!;
  assert.equal(automountParentOf(projects, byId)!.source, '/etc/auto.direct');
  assert.equal(isAutomounted(projects, byId), true);
  const root = entries.find((e) => e.mountpoint === '/')!;
  assert.equal(automountParentOf(root, byId), undefined);
  assert.equal(isAutomounted(root, byId), false);
  const trigger = entries.find((e) => e.mountpoint === '/home')!;
  assert.equal(isAutomounted(trigger, byId), false);
});

test('describeAutofs on macOS/FreeBSD: map names after "map ", children by path', () => {
  const mac = parseBsdMount(fixtureText('macos-14.txt')).entries;
  const d = describeAutofs(mac);
  assert.deepEqual(d.map((a) => [a.mountpoint, a.map, a.type, a.children]), [
    ['/System/Volumes/Data/home', 'auto_home', 'unknown', [12]],
    ['/net', '-hosts', 'unknown', []],
  ]);
  const byId = indexById(mac);
  assert.equal(isAutomounted(mac[11]!, byId), true); // "automounted" flag
  assert.equal(automountParentOf(mac[11]!, byId), undefined); // no parent ids on BSD
  const fbsd = describeAutofs(parseBsdMount(fixtureText('freebsd-14.txt')).entries);
  assert.deepEqual(fbsd.map((a) => [a.mountpoint, a.map, a.children]), [['/net', '-hosts', []], ['/home', 'auto_home', [12]]]);
});
