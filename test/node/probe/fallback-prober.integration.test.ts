// The fallback prober spawns process.execPath for each probe; inside the app that is Electron, which
// without ELECTRON_RUN_AS_NODE=1 starts a second app instead of running the probe child. Here
// process.execPath is a stand-in "Electron" that exits 97 unless started as Node, as Electron would fail
// to be Node: a probe that answers ok proves the variable is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProber } from '../../../src/node/probe/node-prober.js';

test('the fallback prober runs the app binary as Node (ELECTRON_RUN_AS_NODE=1)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msm-tray-electron-'));
  const realNode = process.execPath;
  const standIn = join(dir, 'electron');
  writeFileSync(standIn, `#!/bin/sh\n[ "$ELECTRON_RUN_AS_NODE" = 1 ] || exit 97\nexec '${realNode}' "$@"\n`);
  chmodSync(standIn, 0o755);
  process.execPath = standIn;
  const prober = new NodeProber({ concurrency: 1 });
  try {
    const result = await prober.probe({ path: dir, timeoutMs: 10_000, asOwner: false }).result;
    assert.equal(result.state, 'ok', JSON.stringify(result));
  } finally {
    process.execPath = realNode;
    await prober.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
