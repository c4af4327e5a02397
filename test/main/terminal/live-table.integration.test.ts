// `npm start` in a real pseudo-terminal: tmux runs bin/start.js (terminal mode, the embedded monitor
// over this machine's real mount table); we read the screen with capture-pane and quit with "q".
// The tmux server is our own (-L with a per-process socket name) and is killed by that socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { skipOrFail } from '../../support/namespace.js';
import { setTimeout as sleep } from 'node:timers/promises';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const hasTmux = spawnSync('sh', ['-c', 'command -v tmux']).status === 0;
const socket = `msm-live-table-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

async function waitForScreen(pred: (screen: string) => boolean, timeoutMs = 20_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < end) {
    screen = tmux('capture-pane', '-p', '-t', 'live').stdout ?? '';
    if (pred(screen)) return screen;
    await sleep(100);
  }
  throw new Error(`screen never matched; last screen:\n${screen}`);
}

test('live table in a pseudo-terminal: draws the mount table, redraws, quits on q', { skip: skipOrFail(hasTmux ? undefined : 'tmux not installed (apt-get install tmux)') }, async () => {
  const cmd = `cd '${root}' && env -u DISPLAY -u WAYLAND_DISPLAY MSM_TERMINAL=1 HOME=/msm-nonexistent-home ${process.execPath} bin/start.js; echo EXITED=$?; sleep 30`;
  const r = tmux('new-session', '-d', '-s', 'live', '-x', '140', '-y', '40', cmd);
  assert.equal(r.status, 0, r.stderr);
  try {
    const screen = await waitForScreen((s) => /Mount Status Monitor — (OK|DEGRADED|DEAD)/.test(s) && /\n\S.*\s\/\s/.test(s));
    assert.match(screen, /monitoring in-app \(as root\)|monitoring in-app as you: probes cannot switch owner|monitoring by/);
    assert.match(screen, /STATE\s+LATENCY\s+FOR\s+MOUNTPOINT/);
    // HOME=/msm-nonexistent-home lies on "/" (by string), so the root row carries the home mark.
    assert.match(screen, /^⌂ OK\s+[\d.]+ ms\s+\d+ s\s+\/\s+\S/m, 'the root filesystem row, marked as home');
    assert.match(screen, /q quits/);
    tmux('send-keys', '-t', 'live', 'q');
    const after = await waitForScreen((s) => /EXITED=\d+/.test(s));
    assert.match(after, /EXITED=0/);
    assert.doesNotMatch(after, /STATE\s+LATENCY/, 'left the alternate screen');
  } finally {
    tmux('kill-server');
  }
});
