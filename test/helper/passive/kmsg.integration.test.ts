// Writes server-health lines to the real /dev/kmsg (root): the follower reads them, sees that user space
// wrote them (the kernel stamps every written record with a non-kernel facility) and reports none of
// them. Only the kernel's own NFS and CIFS lines are signals (kernelSignal, unit-tested with kernel
// records: this kernel has no NFS or CIFS client to print real ones).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, constants, openSync, readSync } from 'node:fs';
import { KmsgFollower, parseKmsgRecord, type KmsgSignal } from '../../../src/helper/passive/kmsg.js';
import { skipOrFail } from '../../support/namespace.js';
import { setTimeout as sleep } from 'node:timers/promises';

const skip = skipOrFail(process.getuid?.() === 0 ? undefined : 'needs root (reads and writes /dev/kmsg)');

/** Every record in the kernel log now whose message contains `tag`, read through a descriptor of our own. */
function recordsWith(tag: string) {
  const fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = Buffer.alloc(16 * 1024);
  const found = [];
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') continue;
        break; // EAGAIN: the end
      }
      const rec = parseKmsgRecord(buf.toString('utf8', 0, n));
      if (rec?.message.includes(tag)) found.push(rec);
    }
  } finally {
    closeSync(fd);
  }
  return found;
}

test('server lines written to /dev/kmsg by user space are read and ignored, whatever facility they claim', { skip, timeout: 20_000 }, async () => {
  const tag = `msmtest${process.pid}x${Date.now() % 100000}`;
  const seen: KmsgSignal[] = [];
  const f = new KmsgFollower({ onSignal: (s) => seen.push(s), pollMs: 50 });
  f.start();
  try {
    const forged = [
      `nfs: server ${tag}-a not responding, still trying\n`,
      `<0>nfs: server ${tag}-b not responding, timed out\n`, // "<0>" names the kernel facility: the kernel refuses it
      `<4>CIFS: VFS: \\\\${tag}-c has not responded in 180 seconds. Reconnecting...\n`,
      `<28>nfs: server ${tag}-d OK\n`, // daemon.warning
    ];
    for (const line of forged) appendFileSync('/dev/kmsg', line);
    for (let i = 0; i < 100 && f.counts.fromUserSpace < forged.length; i++) await sleep(50);
    await sleep(200);
    // The lines are in the kernel log, as user records, and the follower read them all.
    const stored = recordsWith(tag);
    assert.deepEqual(stored.map((r) => r.facility), [1, 1, 1, 3], 'facilities the kernel gave the written lines');
    assert.ok(f.counts.fromUserSpace >= forged.length, `read ${f.counts.fromUserSpace} user-space records`);
    assert.deepEqual(seen.filter((s) => s.server.startsWith(tag)), [], 'no signal from a line user space wrote');
  } finally {
    f.stop();
  }
});
