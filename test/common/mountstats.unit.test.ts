import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nfsServerOf, nfsStatsByMountpoint, parseMountstats, rpcDelta } from '../../src/common/mountstats.js';

// The compiled test runs from dist/test/common; the fixture stays in the source tree.
const fixture = readFileSync(new URL('../../../test/fixtures/mountstats/nfs3-and-4.2.txt', import.meta.url), 'utf8');

test('every block is read, non-NFS ones without RPC statistics', () => {
  const p = parseMountstats(fixture);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(
    p.mounts.map((m) => [m.device, m.mountpoint, m.fstype, m.rpc !== undefined]),
    [
      ['rootfs', '/', 'rootfs', false],
      ['proc', '/proc', 'proc', false],
      ['/dev/vda', '/', 'ext4', false],
      ['nfs1:/export/home', '/home/alice smith', 'nfs', true],
      ['fileserver:/srv/projects', '/mnt/proj\ttab\\back', 'nfs4', true],
      ['[fe80::1%eth0]:/data', '/data', 'nfs4', true],
      ['tmpfs', '/tmp', 'tmpfs', false],
      ['', '/weird', 'foo', false],
    ],
  );
});

test('NFSv3 over TCP: ops, xprt fields, totals', () => {
  const m = parseMountstats(fixture).mounts[3]!;
  assert.equal(m.server, 'nfs1');
  assert.equal(m.statvers, '1.1');
  assert.equal(m.age, 86400);
  assert.ok(m.opts?.includes('vers=3'));
  assert.equal(m.events?.vfsopen, 312);
  assert.equal(m.events?.pnfswrites, 0);
  assert.equal(m.bytes?.serverreadbytes, 5373952);
  const rpc = m.rpc!;
  assert.deepEqual([rpc.statsVersion, rpc.program, rpc.version, rpc.programName], ['1.1', 100003, 3, 'nfs']);
  assert.equal(rpc.xprts.length, 1);
  assert.deepEqual(rpc.xprts[0]!.fields, {
    srcport: 871, bindCount: 1, connectCount: 2, connectTime: 0, idleTime: 14, sends: 20450, recvs: 20440,
    badXids: 0, reqU: 40900, bklogU: 1250, maxSlots: 2, sendingU: 30, pendingU: 10,
  });
  assert.deepEqual(rpc.ops.READ, { ops: 1312, trans: 1318, timeouts: 3, bytesSent: 188928, bytesRecv: 5561344, queueMs: 30, rttMs: 4100, executeMs: 4150, errors: 0 });
  assert.equal(rpc.ops.LOOKUP?.errors, 311);
  // retrans: GETATTR 19 + ACCESS 2 + READ 6 = 27; major timeouts: 2 + 1 + 3 = 6
  assert.equal(rpc.totals.retransmissions, 27);
  assert.equal(rpc.totals.majorTimeouts, 6);
  assert.equal(rpc.totals.errors, 311);
  assert.equal(rpc.totals.sends, 20450);
  assert.equal(rpc.totals.backlogUtil, 1250);
  assert.equal(rpc.totals.avgBacklog, 1250 / 20450);
});

test('NFSv4.2 with nconnect: one xprt per connection, summed; escaped mountpoint decoded', () => {
  const byMp = nfsStatsByMountpoint(parseMountstats(fixture));
  const m = byMp.get('/mnt/proj\ttab\\back')!;
  assert.equal(m.server, 'fileserver');
  assert.equal(m.rpc!.xprts.length, 2);
  assert.equal(m.rpc!.totals.sends, 980);
  assert.equal(m.rpc!.totals.backlogUtil, 10000);
  assert.equal(m.rpc!.totals.retransmissions, 2);
  assert.equal(m.rpc!.totals.majorTimeouts, 1);
  assert.equal(m.rpc!.ops.SEQUENCE?.ops, 0);
  assert.equal(byMp.has('/tmp'), false);
});

test('UDP transport fields, a per-op line without the errors column, an IPv6 server', () => {
  const m = nfsStatsByMountpoint(parseMountstats(fixture)).get('/data')!;
  assert.equal(m.server, 'fe80::1%eth0');
  assert.deepEqual(m.rpc!.xprts[0]!.fields, { srcport: 900, bindCount: 0, sends: 10, recvs: 9, badXids: 0, reqU: 10, bklogU: 0, maxSlots: 65, sendingU: 0, pendingU: 0 });
  assert.equal(m.rpc!.ops.GETATTR?.errors, undefined);
  assert.equal(m.rpc!.totals.retransmissions, 1);
});

test('malformed lines are problems, never exceptions', () => {
  const p = parseMountstats('\topts:\trw\ndevice s:/e mounted on /m with fstype nfs statvers=1.1\n\tRPC iostats version: 1.1  p/v: 100003/3 (nfs)\n\txprt:\ttcp x y\n\tper-op statistics\n\t READ: 1 2\n');
  assert.deepEqual(p.problems.map((x) => x.reason), ['statistics before any "device" line', 'unreadable "xprt:" line', 'unreadable per-op line']);
  assert.equal(p.mounts.length, 1);
});

test('helpers: server part of a device, counter deltas', () => {
  assert.equal(nfsServerOf('srv:/x'), 'srv');
  assert.equal(nfsServerOf('[::1]:/x'), '::1');
  assert.equal(nfsServerOf('/dev/sda'), undefined);
  const a = parseMountstats(fixture).mounts[3]!.rpc!.totals;
  assert.deepEqual(rpcDelta(undefined, a), { ops: a.ops, retransmissions: 27, majorTimeouts: 6, errors: 311 });
  assert.deepEqual(rpcDelta(a, a), { ops: 0, retransmissions: 0, majorTimeouts: 0, errors: 0 });
});
