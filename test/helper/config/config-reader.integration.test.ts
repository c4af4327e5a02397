// The config reader's child process on real files: what it refuses, before opening anything but a
// regular file, and what it reads.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfigReader, MAX_CONFIG_BYTES } from '../../../src/helper/config/config-reader.js';
import { setTimeout as sleep } from 'node:timers/promises';

const dir = mkdtempSync(join(tmpdir(), 'msm-ipc-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a regular file (also through a symlink) is read; a missing one is absent', async () => {
  const reader = new ConfigReader();
  writeFileSync(join(dir, 'a.conf'), 'interval = 30\n');
  symlinkSync(join(dir, 'a.conf'), join(dir, 'link.conf'));
  assert.deepEqual(await reader.read(join(dir, 'a.conf')), { text: 'interval = 30\n' });
  assert.deepEqual(await reader.read(join(dir, 'link.conf')), { text: 'interval = 30\n' });
  assert.deepEqual(await reader.read(join(dir, 'none.conf')), { absent: true });
});

test('anything but a regular file is refused, and so is a huge one', async () => {
  const reader = new ConfigReader();
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  const cases: [string, RegExp][] = [
    [join(dir, 'fifo'), /not a regular file \(a FIFO\)$/],
    [dir, /not a regular file \(a directory\)$/],
    ['/dev/null', /not a regular file \(a character device\)$/],
    [join(dir, 'sock'), /not a regular file \(a socket\)$/],
  ];
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(dir, 'sock'), resolve));
  after(() => server.close());
  for (const [path, why] of cases) {
    await assert.rejects(reader.read(path), (e: Error) => e.name === 'SettingsError' && e.message.startsWith(`cannot read config file ${path}: `) && why.test(e.message), path);
  }
  writeFileSync(join(dir, 'big.conf'), Buffer.alloc(MAX_CONFIG_BYTES + 1, 0x23));
  await assert.rejects(reader.read(join(dir, 'big.conf')), /larger than 1048576 bytes/);
  writeFileSync(join(dir, 'edge.conf'), Buffer.alloc(MAX_CONFIG_BYTES, 0x23));
  assert.equal(('text' in (await reader.read(join(dir, 'edge.conf'))) && true), true, 'exactly the limit is fine');
});

test('an aborted read fails at once', async () => {
  const reader = new ConfigReader();
  const stop = new AbortController();
  writeFileSync(join(dir, 'b.conf'), 'timeout = 3\n');
  const reading = reader.read(join(dir, 'b.conf'), { signal: stop.signal });
  stop.abort();
  await assert.rejects(reading, /cannot read config file .*b\.conf: stopped/);
  // The killed child is gone quickly; the next read runs.
  await sleep(300);
  assert.deepEqual(await reader.read(join(dir, 'b.conf')), { text: 'timeout = 3\n' });
});
