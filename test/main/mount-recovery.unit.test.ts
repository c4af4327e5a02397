// What the app offers for a mount that stopped answering, from the monitor's snapshot and a mount table
// given as mountinfo text: Disconnect only for the user's own FUSE mount, the admin's command for others,
// nothing that names a path the helper's socket cut; and Disconnect refuses whatever it does not offer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountinfo } from '../../src/common/mount-table/mountinfo.js';
import type { MountStatus } from '../../src/common/mount.js';
import type { DisconnectResult } from '../../src/common/recovery.js';
import { setupMountRecovery } from '../../src/main/mount-recovery.js';
import { mount, snapshot } from './fixtures.js';

const UID = 1000;
const table = parseMountinfo(
  [
    '40 1 0:52 / /mnt/own rw,nosuid,nodev,relatime shared:1 - fuse.sshfs alice@box:/ rw,user_id=1000,group_id=1000',
    '41 1 0:53 / /mnt/bobs rw,nosuid,nodev,relatime shared:2 - fuse.sshfs bob@box:/ rw,user_id=1001,group_id=1001',
    '42 1 0:54 / /proj rw,relatime shared:3 - nfs4 nfs1:/export/proj rw,vers=4.2,addr=10.0.0.1',
  ].join('\n') + '\n',
);

const own = mount('/mnt/own', 'hung', { mountId: 40, fstype: 'fuse.sshfs', source: 'alice@box:/' });
const bobs = mount('/mnt/bobs', 'stuck', { mountId: 41, fstype: 'fuse.sshfs', source: 'bob@box:/' });
const proj = mount('/proj', 'slow', { mountId: 42, fstype: 'nfs4', source: 'nfs1:/export/proj' });
const fine = mount('/', 'ok', { mountId: 21 });
const cut = mount('/deep/a…[768123 bytes, sha256 3f2a9c0e1b7d]…z', 'error', { mountId: 43, fstype: 'fuse.sshfs', truncated: { mountpoint: 768123 } });

function world(mounts: MountStatus[], result: DisconnectResult = { gone: true, steps: ['aborted FUSE connection 52', 'fusermount3 -u -z: /mnt/own is unmounted'] }) {
  let reads = 0;
  const disconnected: MountStatus[] = [];
  const rechecks: (string | undefined)[] = [];
  const recovery = setupMountRecovery({
    api: {
      snapshot: async () => snapshot(mounts),
      recheck: async (mp) => {
        rechecks.push(mp);
        throw new Error(`${JSON.stringify(mp)} is not a mountpoint in the mount table`);
      },
    },
    uid: UID,
    readTable: async () => (reads++, table),
    disconnect: async (status, options) => {
      assert.equal(options?.uid, UID);
      disconnected.push(status as MountStatus);
      return result;
    },
  });
  return { recovery, reads: () => reads, disconnected, rechecks };
}

test('advice for each mount not answering: Disconnect for our own FUSE mount, the command for the rest', async () => {
  const w = world([fine, own, bobs, proj, cut]);
  const advice = await w.recovery.adviseNow();
  assert.equal(w.reads(), 1, 'one read of the mount table');
  assert.deepEqual(
    advice.map((a) => [a.mountId, a.mountpoint, a.advice.kind]),
    [
      [40, '/mnt/own', 'disconnect'],
      [41, '/mnt/bobs', 'admin'],
      [42, '/proj', 'admin'],
      [43, cut.mountpoint, 'none'],
    ],
  );
  const [, bob, nfs, shortened] = advice.map((a) => a.advice);
  assert.equal(bob?.kind === 'admin' && bob.command, 'sudo mountstatus unmount --force /mnt/bobs');
  assert.equal(nfs?.kind === 'admin' && nfs.command, 'sudo mountstatus disconnect /proj', 'NFS: disconnect from its server');
  assert.match(shortened?.kind === 'none' ? shortened.text : '', /^Its path is 750 KiB long, too long for a command: .* mount id 43 in \/proc\/self\/mountinfo/);
});

test('nothing to advise when every mount answers: the mount table is not read', async () => {
  const w = world([fine, { ...own, state: 'ok' }]);
  assert.deepEqual(await w.recovery.adviseNow(), []);
  assert.equal(w.reads(), 0);
});

test('Disconnect: our own frozen FUSE mount is disconnected, and the monitor told to look again', async () => {
  const w = world([fine, own]);
  const r = await w.recovery.disconnect('/mnt/own');
  assert.equal(r.gone, true);
  assert.deepEqual(w.disconnected.map((m) => m.mountId), [40]);
  assert.deepEqual(w.rechecks, ['/mnt/own'], 'a recheck, so the monitor reads the table now');
});

test('Disconnect refuses what it does not offer, and touches nothing', async () => {
  const w = world([fine, own, bobs, proj, cut]);
  assert.match((await w.recovery.disconnect('/mnt/bobs')).reason ?? '', /^Only an administrator .* sudo mountstatus unmount --force \/mnt\/bobs$/);
  assert.match((await w.recovery.disconnect('/nowhere')).reason ?? '', /^\/nowhere is not a mount the monitor reports$/);
  assert.match((await w.recovery.disconnect('/')).reason ?? '', /^\/ answers: there is nothing to disconnect$/);
  assert.match((await w.recovery.disconnect(cut.mountpoint)).reason ?? '', /too long for a command/);
  const answering = world([{ ...own, state: 'ok' }]);
  assert.equal((await answering.recovery.disconnect('/mnt/own')).gone, false);
  assert.equal(w.disconnected.length + answering.disconnected.length, 0);
  assert.deepEqual(w.rechecks, []);
});

test('a Disconnect that fails is reported as it is, and the monitor is not asked', async () => {
  const w = world([own], { gone: false, steps: [], reason: 'fusermount3 -u -z /mnt/own failed: Device or resource busy' });
  assert.deepEqual(await w.recovery.disconnect('/mnt/own'), { gone: false, steps: [], reason: 'fusermount3 -u -z /mnt/own failed: Device or resource busy' });
  assert.deepEqual(w.rechecks, []);
});

test("the home's NFS mount: Disconnect where the helper's dry run allows it, done by the helper; else the admin's command", async () => {
  const homeTable = parseMountinfo('44 1 0:55 / /home/alice rw,relatime shared:4 - nfs4 nfs1:/export/home/alice rw,vers=4.2,addr=10.0.0.1\n');
  const home = mount('/home/alice', 'hung', { mountId: 44, fstype: 'nfs4', source: 'nfs1:/export/home/alice' });
  const asked: object[] = [];
  let allow = true;
  const recovery = setupMountRecovery({
    api: { snapshot: async () => snapshot([home, proj]), recheck: async () => ({ started: [], skipped: [] }) },
    uid: UID,
    home: '/home/alice',
    readTable: async () => ({ entries: [...homeTable.entries, ...table.entries], problems: [] }),
    disconnect: async () => assert.fail('not a FUSE disconnect'),
    helperDisconnect: async (request) => {
      asked.push(request);
      if (!allow) throw new Error('not disconnecting /home/alice: only root may disconnect (no admin-group is configured)');
      return { mountpoint: request.mountpoint, dryRun: request.dryRun === true, state: 'hung', method: 'shutdown', sharing: [request.mountpoint], steps: ['wrote 1 to /sys/fs/nfs/0:55/shutdown', '2 of 2 blocked programs released'], disconnected: true, unmounted: false, released: 2, stay: [] };
    },
  });
  const advice = await recovery.adviseNow();
  assert.deepEqual(advice.map((a) => [a.mountpoint, a.advice.kind]), [['/home/alice', 'disconnect'], ['/proj', 'admin']], '/proj is not in the home: never asked');
  assert.deepEqual([...asked], [{ mountpoint: '/home/alice', dryRun: true }]);
  await recovery.adviseNow();
  assert.equal(asked.length, 1, "the helper's answer is kept a while");
  const r = await recovery.disconnect('/home/alice');
  assert.deepEqual(r, { gone: true, steps: ['wrote 1 to /sys/fs/nfs/0:55/shutdown', '2 of 2 blocked programs released'] });
  assert.deepEqual(asked.at(-1), { mountpoint: '/home/alice' });
  allow = false;
  const refusing = setupMountRecovery({
    api: { snapshot: async () => snapshot([home]), recheck: async () => ({ started: [], skipped: [] }) },
    uid: UID,
    home: '/home/alice',
    readTable: async () => homeTable,
    helperDisconnect: async (request) => {
      asked.push(request);
      throw new Error('refused');
    },
  });
  const [only] = await refusing.adviseNow();
  assert.equal(only?.advice.kind === 'admin' && only.advice.command, 'sudo mountstatus disconnect /home/alice');
  assert.match((await refusing.disconnect('/home/alice')).reason ?? '', /^Only an administrator .* can disconnect \/home\/alice/);
});
