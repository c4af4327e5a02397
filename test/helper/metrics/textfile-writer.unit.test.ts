// The textfile writer on a real temp directory (local, never a probed mount): coalesced, atomic,
// readable by node_exporter's user, a failure said once and its end said once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTextfilePath, TextfileWriter } from '../../../src/helper/metrics/textfile-writer.js';
import { SettingsError } from '../../../src/node/config/settings.js';
import { setTimeout as sleep } from 'node:timers/promises';


function setup(t: { after: (f: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-textfile-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const events: string[] = [];
  let renders = 0;
  const writer = new TextfileWriter({
    path: join(dir, 'mountstatus.prom'),
    text: async () => Buffer.from(`render ${++renders}\n`),
    onError: (path, e) => events.push(`error ${path} ${e.code}`),
    onRecovered: (path) => events.push(`recovered ${path}`),
    minGapMs: 50,
  });
  return { dir, writer, events, renders: () => renders };
}

test('a burst of 1,000 changes is one write; a change during the gap is one more', async (t) => {
  const { dir, writer, renders } = setup(t);
  for (let i = 0; i < 1000; i++) writer.changed();
  await sleep(120);
  assert.equal(renders(), 1);
  assert.equal(readFileSync(writer.path, 'utf8'), 'render 1\n');
  writer.changed();
  writer.changed();
  await sleep(120);
  assert.equal(renders(), 2);
  assert.equal(statSync(writer.path).mode & 0o777, 0o644, 'readable by node_exporter whatever the umask');
  assert.deepEqual(readdirSync(dir), ['mountstatus.prom'], 'no temporary file left');
  await writer.close();
  writer.changed();
  await sleep(80);
  assert.equal(renders(), 2, 'nothing after close');
});

test('a directory that is not there yet: one warning however many writes fail, one notice when it works', async (t) => {
  const { dir, writer, events } = setup(t);
  const sub = new TextfileWriter({ path: join(dir, 'later', 'm.prom'), text: async () => Buffer.from('x\n'), onError: (p, e) => events.push(`error ${e.code}`), onRecovered: () => events.push('recovered'), minGapMs: 20 });
  for (let i = 0; i < 3; i++) {
    sub.changed();
    await sleep(50);
  }
  mkdirSync(join(dir, 'later'));
  sub.changed();
  await sleep(50);
  assert.deepEqual(events, ['error ENOENT', 'recovered']);
  assert.equal(readFileSync(join(dir, 'later', 'm.prom'), 'utf8'), 'x\n');
  await Promise.all([sub.close(), writer.close()]);
});

test('the path must be absolute and end in .prom, which is all the textfile collector reads', () => {
  assert.equal(checkTextfilePath('/var/lib/prometheus/node-exporter/mountstatus.prom', 'x'), '/var/lib/prometheus/node-exporter/mountstatus.prom');
  for (const bad of ['mountstatus.prom', '/var/lib/x/mountstatus.txt', '/var/lib/x/.prom', '/var/lib/x/']) {
    assert.throws(() => checkTextfilePath(bad, 'c:4'), (e: Error) => e instanceof SettingsError && /^c:4: expected an absolute path ending in \.prom/.test(e.message), bad);
  }
});
