// Under a journal stream the daemon writes each line once: to stderr with sd-daemon <N>
// prefixes, and not to a syslog socket that is journald's own. A real daemon with its stderr on a file
// whose device and inode JOURNAL_STREAM names, as systemd does (systemd.exec(5)); journald's socket
// directory is a tmpfs over /run in this file's private mount namespace. The live journal itself is
// tested in test/build/systemd-live.integration.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { BIN } from '../cli/cli-harness.js';
import { isJournaldSocket, isJournalStream } from '../../../src/helper/log/journal-stream.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);
const dir = mkdtempSync(join(tmpdir(), 'msm-pkg-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the daemon ~1.5 s with stderr on a file; JOURNAL_STREAM names that file when `journal`. */
async function daemonStderr(journal: boolean, syslogSocket: string): Promise<string> {
  const file = join(dir, `stderr-${journal}-${syslogSocket.replaceAll('/', '_')}`);
  const fd = openSync(file, 'w');
  const st = fstatSync(fd);
  const env = { ...process.env, JOURNAL_STREAM: journal ? `${st.dev}:${st.ino}` : '' };
  const child = spawn(process.execPath, [BIN, 'daemon', '--interval', '0.5', '--include', '/nonexistent/**', '--socket', '', '--syslog-socket', syslogSocket], { stdio: ['ignore', 'ignore', fd], env });
  closeSync(fd);
  await sleep(1500);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  return readFileSync(file, 'utf8');
}

test('isJournalStream matches fd 2 only when JOURNAL_STREAM names its device and inode', () => {
  const fd = openSync(join(dir, 'f'), 'w');
  const st = fstatSync(fd);
  assert.equal(isJournalStream(fd, { JOURNAL_STREAM: `${st.dev}:${st.ino}` }), true);
  assert.equal(isJournalStream(fd, { JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }), false);
  assert.equal(isJournalStream(fd, { JOURNAL_STREAM: 'garbage' }), false);
  assert.equal(isJournalStream(fd, {}), false);
  closeSync(fd);
  assert.equal(isJournalStream(fd, { JOURNAL_STREAM: `${st.dev}:${st.ino}` }), false, 'a closed fd is no stream');
});

test('under a journal stream with journald\'s syslog socket, every line goes once to stderr with <N> prefixes', { skip }, async () => {
  // journald's socket directory, private to this namespace (the host's /run is left alone).
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', '/run']);
  mkdirSync('/run/systemd/journal', { recursive: true });
  writeFileSync('/run/systemd/journal/dev-log', '');
  const devLog = join(dir, 'dev-log');
  execFileSync('ln', ['-s', '/run/systemd/journal/dev-log', devLog]);
  assert.equal(isJournaldSocket(devLog), true);
  assert.equal(isJournaldSocket(join(dir, 'f')), false);

  const journal = await daemonStderr(true, devLog);
  const lines = journal.trimEnd().split('\n');
  assert.match(lines[0]!, /^<5>Starting as root: checking mounts every 0\.5 seconds/);
  assert.ok(lines.filter((l) => l === '<6>Checked 0 mounts in 0 seconds').length >= 2, journal);
  assert.equal(lines.at(-1), '<5>Stopping');
  // Nothing else: no plain echo, and no syslog writer complaining about the socket it must not use.
  assert.deepEqual(lines.filter((l) => !/^<[0-7]>/.test(l)), [], journal);

  // Not a journal stream: the plain echo, and syslog is tried (here a socket nobody listens on).
  const plain = await daemonStderr(false, devLog);
  assert.match(plain, /^MountStatusMonitor\[\d+\]: info: Checked 0 mounts in 0 seconds$/m);
  assert.doesNotMatch(plain, /^<\d>/m);
});
