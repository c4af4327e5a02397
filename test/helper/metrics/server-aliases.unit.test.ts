// One server name across the fleet: the server-alias table in the config, matched against the name a
// mount wrote and the address the kernel recorded (addr=), down to the `server` label of the metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/helper/config/config-file.js';
import { fleetServerName, parseServerAliases } from '../../../src/helper/metrics/server-aliases.js';
import { renderMetrics } from '../../../src/helper/metrics/render-metrics.js';
import { planSweep } from '../../../src/node/monitor/sweep-plan.js';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { DEFAULT_SETTINGS } from '../../../src/node/config/settings.js';
import type { MountStatus } from '../../../src/common/mount.js';

const aliases = parseServerAliases([{ value: 'nfs1 nfs1.example.org 10.0.0.5 [fd00::5]', where: 'f:1' }]);

// The same server, as three hosts mount it, plus a user's own sshfs mount that names it in its source.
const MOUNTINFO = [
  '40 1 0:50 / /srv/a rw - nfs4 nfs1:/export rw,vers=4.2,addr=10.0.0.5,clientaddr=10.0.0.21',
  '41 1 0:51 / /srv/b rw - nfs4 NFS1.Example.org.:/export rw,vers=4.2,addr=10.0.0.5',
  '42 1 0:52 / /srv/c rw - nfs4 files.example.org:/export rw,vers=4.2,addr=10.0.0.5',
  '43 1 0:53 / /srv/d rw - cifs //10.0.0.5/share rw,vers=3.1.1,addr=10.0.0.5',
  '44 1 0:54 / /srv/e rw - nfs4 [fd00::5]:/export rw,vers=4.2,addr=fd00::5',
  '45 1 0:55 / /srv/other rw - nfs4 nfs2:/export rw,vers=4.2,addr=10.0.0.6',
  '46 1 0:56 / /home/bob/mnt rw,nosuid,nodev - fuse.sshfs bob@nfs1:/home/bob rw,user_id=1000,group_id=1000',
  '47 1 8:1 / /data rw - ext4 /dev/sda1 rw',
  '',
].join('\n');

test('every spelling of nfs1, by name, by case, by trailing dot or by the kernel\'s addr=, is nfs1; other servers keep their name', () => {
  const plan = planSweep(parseMountinfo(MOUNTINFO), { include: [], exclude: [] });
  const names = plan.items.map((i) => [i.entry.mountpoint, fleetServerName(i.annotations, aliases)]);
  assert.deepEqual(names, [
    ['/srv/a', 'nfs1'],
    ['/srv/b', 'nfs1'],
    ['/srv/c', 'nfs1'], // a name not in the table, joined by the address it connected to
    ['/srv/d', 'nfs1'],
    ['/srv/e', 'nfs1'],
    ['/srv/other', 'nfs2'],
    ['/home/bob/mnt', ''], // a user's own mount never joins a server's group
    ['/data', ''],
  ]);
  assert.equal(plan.items.find((i) => i.entry.mountpoint === '/home/bob/mnt')!.annotations.serverAddress, undefined);
  assert.equal(fleetServerName({ server: 'NFS1' }, new Map()), 'NFS1', 'without a table: the name as the mount wrote it');
});

test('the server label of mountstatus_mount_info carries the alias\'s name', () => {
  const base: MountStatus = { mountpoint: '/srv/b', source: 'nfs1.example.org:/export', fstype: 'nfs4', mountId: 1, state: 'ok', since: 0, server: 'nfs1.example.org', serverAddress: '10.0.0.5' };
  const text = renderMetrics({
    snapshot: { identity: { mode: 'system', privileged: true, pid: 1, version: '1' }, mounts: [base] },
    timeouts: 0,
    errors: new Map(),
    unresponsiveSince: new Map(),
    settings: { intervalSeconds: 60, timeoutSeconds: 10, exclude: [], maxMounts: 500, serverAliases: aliases },
  });
  assert.match(text, /^mountstatus_mount_info\{mountpoint="\/srv\/b",fstype="nfs4",source="nfs1\.example\.org:\/export",server="nfs1",automount=""\} 1$/m);
});

test('config file: server-alias lines, repeatable; a bad one names its line', () => {
  const s = parseConfig('server-alias = nfs1 nfs1.example.org 10.0.0.5\nserver-alias = homes homes.example.org\n', 'f', DEFAULT_SETTINGS);
  assert.deepEqual(s.serverAliases, ['nfs1 nfs1.example.org 10.0.0.5', 'homes homes.example.org']);
  assert.throws(() => parseConfig('server-alias = nfs1\n', '/etc/m.conf', DEFAULT_SETTINGS), /^SettingsError: \/etc\/m\.conf:1: server-alias needs the name to show and at least one other spelling/);
  assert.throws(() => parseConfig('server-alias = nfs1 a/b\n', 'c', DEFAULT_SETTINGS), /c:1: server-alias: "a\/b" is not a host name or address/);
  assert.throws(() => parseConfig('server-alias = nfs1 10.0.0.5\n\nserver-alias = nfs2 10.0.0.5\n', 'c', DEFAULT_SETTINGS), /c:3: server-alias: 10\.0\.0\.5 is already a spelling of nfs1/);
});
