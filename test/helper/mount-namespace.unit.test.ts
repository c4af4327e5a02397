// The daemon warns at start when its mount namespace is not PID 1's. The real daemon under
// systemd, with and without a namespacing drop-in, is in test/build/systemd-live.integration.test.ts
// (on this build machine PID 1's namespace links cannot be read even by root, so the host cannot show it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foreignNamespaceReason, mountNamespaceWarning } from '../../src/helper/mount-namespace.js';

test('the warning compares /proc/self/ns/mnt with /proc/1/ns/mnt', () => {
  const links: Record<string, string> = { '/proc/self/ns/mnt': 'mnt:[2]', '/proc/1/ns/mnt': 'mnt:[1]' };
  assert.deepEqual(mountNamespaceWarning((p) => links[p]!), {
    severity: 'warning',
    text: "Running in mount namespace mnt:[2], not init's mnt:[1]: the mounts checked here are a copy, not the host's; run the service without ProtectSystem=, PrivateTmp=, ProtectHome= or other options that give it its own mount namespace",
  });
  links['/proc/self/ns/mnt'] = 'mnt:[1]';
  assert.equal(mountNamespaceWarning((p) => links[p]!), undefined);
  assert.equal(mountNamespaceWarning(() => { throw Object.assign(new Error('EACCES'), { code: 'EACCES' }); }), undefined, 'not root: cannot tell, no warning');
});

test('an unmount is refused with the reason when the namespaces differ or cannot be compared', () => {
  const links: Record<string, string> = { '/proc/self/ns/mnt': 'mnt:[2]', '/proc/77/ns/mnt': 'mnt:[1]' };
  assert.match(foreignNamespaceReason(77, (p) => links[p]!)!, /^the helper runs in its own mount namespace \(mnt:\[2\]\), not the host's \(PID 77: mnt:\[1\]\)/);
  links['/proc/self/ns/mnt'] = 'mnt:[1]';
  assert.equal(foreignNamespaceReason(77, (p) => links[p]!), undefined);
  assert.match(foreignNamespaceReason(77, () => { throw new Error('EACCES: permission denied'); })!, /^cannot compare the helper's mount namespace with PID 77's: EACCES/);
});
