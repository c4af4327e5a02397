// The textfile writer against the account that owns node_exporter's directory: it plants a symlink where
// root's temporary file would go, pointing at a root-only 0600 file, hoping root overwrites it with
// metrics and makes it 0644. The daemon must refuse a directory another account owns (or may write),
// say why in its log, and go on monitoring; in a directory only root may write, a link left at the old
// predictable name is never followed either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lchownSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipOrFail } from '../../support/namespace.js';
import { ensureOtherTestUser } from '../../support/test-user.js';
import { DaemonProcess } from '../cli/cli-harness.js';
import { TextfileWriter } from '../../../src/helper/metrics/textfile-writer.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupsAfter } from '../../support/cleanups.js';

const skip = skipOrFail(process.getuid?.() === 0 ? undefined : 'needs root (files owned by another account)');
const cleanups = cleanupsAfter();

const SECRET = 'root-only: not for the prometheus account\n';

/** A root-only 0600 file in a root-only directory: what the planted link points at. */
function secretFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'msm-textfile-secret-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'shadow');
  writeFileSync(file, SECRET, { mode: 0o600 });
  return file;
}

function assertSecretUntouched(file: string): void {
  assert.equal(readFileSync(file, 'utf8'), SECRET, 'the root-only file keeps its content');
  assert.equal(statSync(file).mode & 0o7777, 0o600, 'and its mode');
}

/** `dir` with a link, owned by `uid`, at the temporary name root's writer used to take (".NAME.PID.tmp"). */
function plant(dir: string, target: string, pid: number, uid: number, gid: number): string {
  const link = join(dir, `.mountstatus.prom.${pid}.tmp`);
  symlinkSync(target, link);
  lchownSync(link, uid, gid);
  return link;
}

test("a directory another account owns: its planted link is not followed, the refusal is logged with the reason, monitoring goes on", { skip, timeout: 60_000 }, async () => {
  const other = ensureOtherTestUser();
  const secret = secretFile();
  const dir = mkdtempSync(join(tmpdir(), 'msm-textfile-theirs-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  chownSync(dir, other.uid, other.gid);
  const file = join(dir, 'mountstatus.prom');
  const daemon = new DaemonProcess(['--interval', '1', '--timeout', '1', '--socket', '', '--no-syslog', '--metrics-textfile', file]);
  cleanups.push(() => daemon.stop());
  const link = plant(dir, secret, daemon.pid, other.uid, other.gid);

  // Sweeps go on (one a second), each a change to write: three of them.
  for (const deadline = Date.now() + 20_000; daemon.count(/Checked \d+ mounts in/) < 3; await sleep(100)) {
    assert.ok(Date.now() < deadline, `fewer than 3 sweeps:\n${daemon.stderr}`);
  }
  assertSecretUntouched(secret);
  await daemon.waitFor(new RegExp(`Cannot write metrics to ${file}: not writing there: the directory ${dir} belongs to uid ${other.uid}, not root, who could swap the file root writes for a link: make it root's`), 20_000);
  assert.equal(readlinkSync(link), secret, 'the link is left as it was');
  assert.deepEqual(readdirSync(dir), [`.mountstatus.prom.${daemon.pid}.tmp`], 'nothing written there');
  assert.equal(daemon.count(/Cannot write metrics/), 1, 'said once');
  assert.equal(daemon.child.exitCode, null, 'the daemon runs on');
});

test('a root-owned directory its group may write is refused too; root-only, it is written, and a link at the old temporary name is not followed', { skip }, async () => {
  const secret = secretFile();
  const dir = mkdtempSync(join(tmpdir(), 'msm-textfile-group-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o775);
  const events: string[] = [];
  const writer = new TextfileWriter({
    path: join(dir, 'mountstatus.prom'),
    text: async () => Buffer.from('mount_status_up 1\n'),
    onError: (_path, e) => events.push(`error ${e.message}`),
    onRecovered: () => events.push('recovered'),
    minGapMs: 20,
  });
  cleanups.push(() => writer.close());
  const link = plant(dir, secret, process.pid, 0, 0);
  writer.changed();
  await sleep(200);
  assertSecretUntouched(secret);
  assert.equal(events.length, 1, events.join('\n'));
  assert.match(events[0]!, new RegExp(`the directory ${dir} is writable by others than its owner \\(mode 0775\\)`));

  chmodSync(dir, 0o755);
  writer.changed();
  await sleep(200);
  assert.deepEqual(events.slice(1), ['recovered']);
  assert.equal(readFileSync(join(dir, 'mountstatus.prom'), 'utf8'), 'mount_status_up 1\n');
  assert.equal(statSync(join(dir, 'mountstatus.prom')).mode & 0o777, 0o644);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link is left as it was');
  assertSecretUntouched(secret);
  assert.deepEqual(readdirSync(dir).sort(), [`.mountstatus.prom.${process.pid}.tmp`, 'mountstatus.prom'], 'no temporary file left');
});
