import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { hostInfo, hostLine, toHostInfo } from '../../../src/main/host-info.js';

test('host facts come from a worker, with the real hostname and kernel', async () => {
  const h = await hostInfo();
  assert.equal(h.hostname, hostname());
  assert.match(h.kernel, /^\d+\.\d+/);
  assert.ok(h.uptimeSeconds > 0);
  assert.match(hostLine(h), new RegExp(`^${h.hostname} · .+ · Linux ${h.kernel.replace(/[.+]/g, '\\$&')}$`));
});

test('distro line with and without codename', () => {
  const base = { hostname: 'h', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64' };
  assert.equal(toHostInfo({ ...base, codename: 'bookworm' }, 1).distro, 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(toHostInfo({ ...base, codename: '' }, 1).distro, 'Debian GNU/Linux 12');
});
