// The embedded monitor (the app's, when no helper runs) gives its own user's home the same watch: run
// as that user (not root), with the shipped defaults, over a real FUSE mount that then freezes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fuseFixtureUnavailable, startFuseFixture } from '../support/fuse-fixture.js';
import { mountTmpfs } from '../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { ensureTestUser } from '../support/test-user.js';
import { cleanupsAfter } from '../support/cleanups.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);
const cleanups = cleanupsAfter();

const createMonitorModule = new URL('../../src/node/create-monitor.js', import.meta.url).href;
const settingsModule = new URL('../../src/node/config/settings.js', import.meta.url).href;

test("the embedded monitor, run as the user, reports its own frozen home slow within 3 s (shipped defaults)", { skip }, async () => {
  const user = ensureTestUser();
  mountTmpfs('/home', { mode: 0o755 });
  const home = `/home/${user.name}`;
  const fx = await startFuseFixture(home, { uid: user.uid, gid: user.gid, rootMode: 0o700 });
  cleanups.push(() => fx.stop());
  const script = `
    const { createMonitor } = await import(${JSON.stringify(createMonitorModule)});
    const { DEFAULT_SETTINGS } = await import(${JSON.stringify(settingsModule)});
    const monitor = createMonitor({ ...DEFAULT_SETTINGS, include: ['/home/**'] }, 'embedded');
    monitor.onChange((e) => e.type === 'mount' && console.log(JSON.stringify({ at: Date.now(), mountpoint: e.mount.mountpoint, state: e.mount.state, watched: e.mount.watched })));
    monitor.watchDirectories('self', [${JSON.stringify(home)}]);
    monitor.start();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid: user.uid, gid: user.gid, stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => void child.kill('SIGKILL'));
  const lines: { at: number; mountpoint: string; state: string; watched?: string }[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
  });
  const waitFor = async (pred: (l: (typeof lines)[number]) => boolean, ms: number, from = 0) => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = lines.slice(from).find(pred);
      if (hit) return hit;
      assert.ok(Date.now() < end && child.exitCode === null, `not seen within ${ms} ms: ${JSON.stringify(lines)}`);
      await sleep(20);
    }
  };
  await waitFor((l) => l.mountpoint === home && l.state === 'ok' && l.watched === 'home', 10_000);
  const mark = lines.length;
  await fx.freeze();
  const frozenAt = Date.now();
  const slow = await waitFor((l) => l.mountpoint === home && l.state === 'slow', 10_000, mark);
  console.log(`# embedded: frozen home reported slow after ${slow.at - frozenAt} ms`);
  assert.ok(slow.at - frozenAt <= 3000, `slow after ${slow.at - frozenAt} ms`);
  fx.thaw();
  await waitFor((l) => l.mountpoint === home && l.state === 'ok', 10_000, lines.indexOf(slow));
});
