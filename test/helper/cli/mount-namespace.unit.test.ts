// The daemon warns at start when its mount namespace is not PID 1's (issue 12). The real daemon under
// systemd, with and without a namespacing drop-in, is in test/build/systemd-live.integration.test.ts
// (on this build machine PID 1's namespace links cannot be read even by root, so the host cannot show it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountNamespaceWarning } from '../../../src/helper/cli/mount-namespace.js';

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
