// Writes server-health lines to the real /dev/kmsg (root) and sees them come back as signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { KmsgFollower, type KmsgSignal } from '../../../src/helper/passive/kmsg.js';
import { skipOrFail } from '../../support/namespace.js';

const skip = skipOrFail(process.getuid?.() === 0 ? undefined : 'needs root (reads and writes /dev/kmsg)');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('lines written to /dev/kmsg arrive as server signals, and only new ones', { skip, timeout: 20_000 }, async () => {
  const tag = `msmtest${process.pid}x${Date.now() % 100000}`;
  // Logged BEFORE we start following: must not be reported (we begin at the end of the log).
  appendFileSync('/dev/kmsg', `nfs: server ${tag}-old not responding, still trying\n`);
  const seen: KmsgSignal[] = [];
  const f = new KmsgFollower({ onSignal: (s) => seen.push(s), pollMs: 50 });
  f.start();
  try {
    appendFileSync('/dev/kmsg', `nfs: server ${tag}-a not responding, still trying\n`);
    appendFileSync('/dev/kmsg', `nfs: server ${tag}-a not responding, timed out\n`);
    appendFileSync('/dev/kmsg', `<4>CIFS: VFS: \\\\${tag}-c has not responded in 180 seconds. Reconnecting...\n`);
    appendFileSync('/dev/kmsg', `nfs: server ${tag}-a OK\n`);
    const mine = () => seen.filter((s) => s.server.startsWith(tag));
    for (let i = 0; i < 100 && mine().length < 4; i++) await sleep(50);
    assert.deepEqual(
      mine().map((s) => [s.server, s.kind, s.fs, s.fromKernel]),
      [
        [`${tag}-a`, 'not-responding', 'nfs', false],
        [`${tag}-a`, 'timed-out', 'nfs', false],
        [`${tag}-c`, 'not-responding', 'cifs', false],
        [`${tag}-a`, 'ok', 'nfs', false],
      ],
    );
    const seqs = mine().map((s) => s.seq);
    assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, 'records in kernel order');
  } finally {
    f.stop();
  }
});
