import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bsdMountedBy, parseBsdMount, parseBsdMountLine } from '../../../src/common/mount-table/bsd.js';
import { fixtureText } from './fixtures.js';

test('macOS 14 listing: every line parses, spaces and " (" and " on /" in mountpoints survive', () => {
  const r = parseBsdMount(fixtureText('macos-14.txt'));
  assert.deepEqual(r.problems, []);
  assert.equal(r.entries.length, 17);
  const root = r.entries[0]!;
  assert.deepEqual(root, {
    mountId: 1,
    parentId: -1,
    device: '',
    root: '',
    mountpoint: '/',
    mountOptions: ['sealed', 'local', 'read-only', 'journaled'],
    optionalFields: [],
    fstype: 'apfs',
    source: '/dev/disk3s1s1',
    superOptions: [],
  });
  const byMp = new Map(r.entries.map((e) => [e.mountpoint, e]));
  const home = byMp.get('/System/Volumes/Data/home')!;
  assert.equal(home.fstype, 'autofs');
  assert.equal(home.source, 'map auto_home');
  assert.deepEqual(home.mountOptions, ['automounted', 'nobrowse']);
  assert.equal(byMp.get('/net')!.source, 'map -hosts');
  assert.equal(byMp.get('/Volumes/My Passport')!.fstype, 'exfat');
  assert.equal(bsdMountedBy(byMp.get('/Volumes/My Passport')!), 'bob');
  assert.equal(byMp.get('/Volumes/Backup (2)')!.fstype, 'apfs');
  assert.equal(byMp.get('/Volumes/Trip on /tmp notes')!.fstype, 'msdos');
  assert.equal(byMp.get('/System/Volumes/Data/home/bob')!.source, 'fileserver.example.com:/export/home/bob');
  assert.equal(byMp.get('/Volumes/Shared')!.source, '//bob@nas.local/Shared');
  assert.equal(r.entries[16]!.mountId, 17);
});

test('FreeBSD 14 listing: entries, IPv6 NFS source, and the cut line reported', () => {
  const r = parseBsdMount(fixtureText('freebsd-14.txt'));
  assert.equal(r.entries.length, 18);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.line, 19);
  assert.match(r.problems[0]!.reason, /fstype, options/);
  const byMp = new Map(r.entries.map((e) => [e.mountpoint, e]));
  assert.equal(byMp.get('/mnt/data set')!.source, '[2001:db8::10]:/export/data');
  assert.equal(byMp.get('/var/run/user dir')!.fstype, 'tmpfs');
  assert.deepEqual(byMp.get('/home/alice')!.mountOptions, ['automounted']);
  assert.deepEqual(byMp.get('/dev')!.mountOptions, []);
});

test('malformed BSD lines', () => {
  assert.equal(typeof parseBsdMountLine('no parens here', 1), 'string');
  assert.equal(typeof parseBsdMountLine('/dev/x on relative (ufs)', 1), 'string');
  assert.equal(typeof parseBsdMountLine('/dev/x on /y ()', 1), 'string');
  assert.equal(typeof parseBsdMountLine('/dev/x on /y (ufs, a(b)', 1), 'string');
  const ok = parseBsdMountLine('/dev/x on /y (ufs)', 4);
  assert.ok(typeof ok !== 'string');
  assert.equal(ok.mountId, 4);
});
