import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountEntry } from '../../../src/common/mount.js';
import { groupByServer, serverOf } from '../../../src/common/mount-table/server.js';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { parseBsdMount } from '../../../src/common/mount-table/bsd.js';
import { fixtureText } from './fixtures.js';

function m(fstype: string, source: string, superOptions: string[] = ['rw']): MountEntry {
  return { mountId: 1, parentId: 0, device: '0:1', root: '/', mountpoint: '/m', mountOptions: [], optionalFields: [], fstype, source, superOptions };
}

test('NFS host:/path and [v6]:/path', () => {
  assert.equal(serverOf(m('nfs', 'nfs1:/export/home')), 'nfs1');
  assert.equal(serverOf(m('nfs4', 'nfs1.example.org:/')), 'nfs1.example.org');
  assert.equal(serverOf(m('nfs', '10.0.0.10:/srv')), '10.0.0.10');
  assert.equal(serverOf(m('nfs', '[2001:db8::20]:/srv/projects')), '2001:db8::20');
  assert.equal(serverOf(m('nfs', '[fe80::1%eth0]:/x')), 'fe80::1%eth0');
});

test('replicated NFS sources prefer addr=, else the first host', () => {
  assert.equal(serverOf(m('nfs', 'a,b:/x', ['rw', 'addr=10.1.1.2'])), '10.1.1.2');
  assert.equal(serverOf(m('nfs', 'a,b:/x')), 'a');
});

test('CIFS/SMB //server/share, with user and backslashes', () => {
  assert.equal(serverOf(m('cifs', '//fileserver/Team Share')), 'fileserver');
  assert.equal(serverOf(m('smb3', '\\\\fs2\\share')), 'fs2');
  assert.equal(serverOf(m('smbfs', '//bob@nas.local/Shared')), 'nas.local');
  assert.equal(serverOf(m('smbfs', '//DOM;bob@nas/Shared')), 'nas');
});

test('sshfs user@host:path, host:path, user@[v6]:path', () => {
  assert.equal(serverOf(m('fuse.sshfs', 'bob@build.example.org:/home/bob')), 'build.example.org');
  assert.equal(serverOf(m('fuse.sshfs', 'build:')), 'build');
  assert.equal(serverOf(m('fuse.sshfs', 'bob@[2001:db8::1]:/x')), '2001:db8::1');
  assert.equal(serverOf(m('sshfs', 'host:relative/dir')), 'host');
});

test('URLs, lustre, and the addr= fallback; local mounts have none', () => {
  assert.equal(serverOf(m('davfs', 'https://dav.example.com:8443/remote.php')), 'dav.example.com');
  assert.equal(serverOf(m('lustre', '10.0.0.1@tcp:/fs')), '10.0.0.1');
  assert.equal(serverOf(m('ceph', '10.0.0.1:6789:/', ['rw', 'addr=10.0.0.1'])), '10.0.0.1');
  assert.equal(serverOf(m('nfs', 'garbage-without-colon', ['rw', 'addr=10.9.9.9'])), '10.9.9.9');
  assert.equal(serverOf(m('tmpfs', 'tmpfs')), undefined);
  assert.equal(serverOf(m('ext4', '/dev/sda1')), undefined);
  assert.equal(serverOf(m('fuse.portal', 'portal')), undefined);
  assert.equal(serverOf(m('overlay', 'a:b')), undefined); // colons in a local source are not a host
});

test('grouping the recorded tables by server', () => {
  const linux = groupByServer(parseMountinfo(fixtureText('linux-debian12.mountinfo')).entries);
  // The table's sshfs of build.example.org is a user's (user_id=1000): not counted as that server's.
  assert.deepEqual([...linux.keys()], ['nfs1.example.org', '2001:db8::20', 'fileserver']);
  const mac = groupByServer(parseBsdMount(fixtureText('macos-14.txt')).entries);
  assert.deepEqual([...mac.keys()], ['fileserver.example.com', 'nas.local']);
  const bsd = groupByServer(parseBsdMount(fixtureText('freebsd-14.txt')).entries);
  assert.deepEqual([...bsd.keys()], ['nfs1.example.org', '2001:db8::10']);
});

test('odd sources: empty path, no host, user@[::1], a UNC name with no share', () => {
  const s = (fstype: string, source: string, superOptions: string[] = []) => serverOf({ fstype, source, superOptions });
  assert.equal(s('nfs', 'nfs1:'), 'nfs1');
  assert.equal(s('nfs', ':/export'), undefined);
  assert.equal(s('nfs', ':/export', ['addr=10.0.0.5']), '10.0.0.5');
  assert.equal(s('fuse.sshfs', 'user@[::1]:/x'), '::1');
  assert.equal(s('fuse.sshfs', 'user@:/x'), undefined);
  assert.equal(s('cifs', '//server'), 'server');
  assert.equal(s('cifs', '//'), undefined);
});

test('a FUSE mount a user made names no server: its source and type are the user\'s words', () => {
  const user = ['rw', 'user_id=1000', 'group_id=1000'];
  assert.equal(serverOf(m('fuse.sshfs', 'user@someserver:/home', user)), undefined);
  assert.equal(serverOf(m('fuse.sshfs', 'user@someserver:/home', [...user, 'allow_other'])), undefined);
  // Root's own sshfs (user_id=0) is still counted as its server's.
  assert.equal(serverOf(m('fuse.sshfs', 'user@someserver:/home', ['rw', 'user_id=0', 'group_id=0'])), 'someserver');
  // user_id= means nothing outside FUSE.
  assert.equal(serverOf(m('nfs', 'nfs1:/x', user)), 'nfs1');
});
