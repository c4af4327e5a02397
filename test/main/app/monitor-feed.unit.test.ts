import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import { openMonitorFeed, type EmbeddedMonitor } from '../../../src/main/app/monitor-feed.js';
import { EMBEDDED, mount, snapshot } from '../fixtures.js';
import { setTimeout as sleep } from 'node:timers/promises';

test('no helper answers: the embedded monitor runs, the connection says how to start the helper', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msm-source-'));
  const listeners = new Set<(e: MonitorEvent) => void>();
  let started = 0;
  let stopped = 0;
  const fake: EmbeddedMonitor = {
    start: () => void started++,
    stop: async () => void stopped++,
    snapshot: async () => snapshot([mount('/', 'ok')], EMBEDDED),
    onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
    recheck: async () => ({ started: ['/'], skipped: [] }),
  };
  const source = await openMonitorFeed({ socketPaths: [join(dir, 'helper-v1.sock')], waitMs: 300, createEmbedded: () => fake });
  try {
    assert.equal(source.embedded, true);
    assert.equal(started, 1);
    assert.equal((await source.api.snapshot()).identity.mode, 'embedded');
    assert.deepEqual(await source.api.recheck('/'), { started: ['/'], skipped: [] });
    await sleep(50);
    const c = source.connection();
    assert.equal(c.state, 'absent');
    assert.match(c.message ?? '', /^helper not running — start it with: /);
    const seen: MonitorEvent[] = [];
    source.api.onChange((e) => seen.push(e));
    const e: MonitorEvent = { type: 'mount', mount: mount('/x', 'hung'), previous: 'ok' };
    for (const l of listeners) l(e);
    assert.deepEqual(seen, [e]);
  } finally {
    await source.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(stopped, 1);
});
