// The words of the notifications about a Disconnect from the tray menu, and about mounts whose path the
// helper's socket cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disconnected, homeDown, mountsDown, summary } from '../../../src/main/notify/messages.js';
import { toNotifySendArgs } from '../../../src/main/notify/notifier.js';
import { nfs } from '../fixtures.js';

test('Disconnect: what was done when it went, why not when it did not', () => {
  const ok = disconnected('/mnt/own', { gone: true, steps: ['aborted FUSE connection 52: the programs waiting on /mnt/own get an error now', 'fusermount3 -u -z: /mnt/own is unmounted'] });
  assert.equal(ok.title, 'Disconnected /mnt/own');
  assert.equal(ok.body, 'aborted FUSE connection 52: the programs waiting on /mnt/own get an error now; fusermount3 -u -z: /mnt/own is unmounted.');
  assert.equal(toNotifySendArgs(ok, 'Mount Status Monitor', '/icons').icon, '/icons/notify-ok.png');
  const failed = disconnected('/mnt/own', { gone: false, steps: ['could not abort FUSE connection 52 (ENOENT): …'], reason: 'fusermount3 -u -z /mnt/own failed: busy' });
  assert.equal(failed.title, 'Could not disconnect /mnt/own');
  assert.equal(failed.body, 'fusermount3 -u -z /mnt/own failed: busy (could not abort FUSE connection 52 (ENOENT): …).');
  assert.equal(toNotifySendArgs(failed, 'Mount Status Monitor', '/icons').category, 'device.error');
});

test('a path the helper cut is said to be shortened, with its full length', () => {
  const cut = nfs('/deep/a…[768123 bytes, sha256 3f2a9c0e1b7d]…z', 'nfs1', 'hung', { truncated: { mountpoint: 768123 } });
  const other = nfs('/proj', 'nfs1', 'hung');
  assert.match(mountsDown([cut], 'nfs1').body, /^\/deep\/a…\[768123 bytes, sha256 3f2a9c0e1b7d\]…z \(nfs1:\/export\/deep\/.*, server nfs1; path shortened: 750 KiB\) did not answer/);
  assert.match(mountsDown([cut, other], 'nfs1').body, /^\/deep\/a…\[768123 bytes, sha256 3f2a9c0e1b7d\]…z \(path shortened: 750 KiB\), \/proj \(server nfs1\) stopped answering together/);
  assert.match(homeDown(cut, '/home/alice').body, /; path shortened: 750 KiB\), which did not answer/);
  assert.match(summary(3, [cut], false).body, /z \(path shortened: 750 KiB\) now not responding/);
  assert.doesNotMatch(mountsDown([other], 'nfs1').body, /shortened/);
});
