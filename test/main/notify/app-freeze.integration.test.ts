// The app's promise end to end, with the shipped defaults: the real entry point (under Node, `electron`
// a recording stand-in) runs as an unprivileged user whose home directory is a FUSE mount; the FUSE
// daemon is frozen (SIGSTOP); within 5 s the user gets the critical home-directory notification through
// real notify-send, a real D-Bus session and Debian's notification-daemon (the 2 s home watch and the
// `slow` state are what make 5 s possible). What notification-daemon drew is kept as
// test-artifacts/home-notification.png (README shows it: `npm run docs:images`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { IpcChannel } from '../../../src/common/ipc-channels.js';
import type { Snapshot } from '../../../src/common/monitor-api.js';
import { notificationStackMissing, startTrayHost, trayHostMissing } from '../../support/dbus-session.js';
import { fuseFixtureUnavailable } from '../../support/fuse-fixture.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { startAppWorld, type AppWorld } from '../electron/app-fixture.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(!ns.canMount ? ns.reason : (fuseFixtureUnavailable() ?? notificationStackMissing() ?? trayHostMissing()));
const LIMIT_MS = 5000;
const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));

let world: AppWorld;
before(async () => {
  if (!skip) world = await startAppWorld();
});
after(async () => {
  await world?.stop();
});

test(`home on a FUSE mount freezes: critical notification over D-Bus within ${LIMIT_MS / 1000} s, no uncaught error`, { skip }, async () => {
  const host = await startTrayHost(world.session.env.DBUS_SESSION_BUS_ADDRESS);
  const app = world.start();
  try {
    await app.waitFor((c) => c.what === 'Tray.setContextMenu' && JSON.stringify(c.args).includes('mounts OK'), 'the tray menu with the first results');
    // The window's view confirms the home mount was seen answering, so the freeze is a transition.
    await app.command({ cmd: 'click-tray' });
    await app.waitFor((c) => c.what === 'BrowserWindow.show', 'the window');
    const snap = (await app.command({ cmd: 'invoke', channel: IpcChannel.Snapshot, args: [] })) as Snapshot;
    assert.equal(snap.mounts.find((m) => m.mountpoint === world.home)?.state, 'ok');
    const before = world.session.captured.length;

    await world.fuse.freeze();
    const frozenAt = Date.now();
    const got = await (async () => {
      // Waits longer than the limit, so a late notification is measured and reported, not just missed.
      const deadline = frozenAt + 90_000;
      while (Date.now() < deadline) {
        const hit = world.session.captured.slice(before).find((n) => /^Your home directory is not (answering|responding)$/.test(n.summary));
        if (hit) return hit;
        await sleep(50);
      }
      throw new Error(`no home notification within 90 s; saw ${JSON.stringify(world.session.captured.slice(before).map((n) => n.summary))}\n${app.output()}`);
    })();
    const after = Date.now() - frozenAt;
    console.log(`# app freeze: home notification ${after} ms after the FUSE daemon stopped ("${got.summary}")`);
    assert.equal(got.urgency, 2, 'critical');
    assert.equal(got.appName, 'Mount Status Monitor');
    assert.ok(got.body.startsWith(`${world.home} is on ${world.home} (`), got.body);
    // On the screen too: notification-daemon drew a popup (a critical one stays until closed).
    await sleep(1000);
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = await world.session.screenshot(`${ARTIFACTS}home-notification.png`);
    assert.ok(shot.width >= 200 && shot.height >= 60, `a popup on the screen: ${shot.width}×${shot.height}`);
    // The tray turned red while frozen, and the app never threw.
    await app.waitFor((c) => c.what === 'Tray.setImage' && String(c.args[0]).endsWith('tray-dead-22.png'), 'the red tray icon');
    assert.doesNotMatch(app.output(), /Uncaught|UnhandledPromiseRejection|TypeError/);
    assert.ok(after <= LIMIT_MS, `notified ${after} ms after the freeze: more than ${LIMIT_MS} ms (needs the 2 s home watch)`);
  } finally {
    world.fuse.thaw();
    await app.kill();
    await host.stop();
  }
});
