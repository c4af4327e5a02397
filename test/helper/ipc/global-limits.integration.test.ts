// Limits that must hold across connections, not only within one: a client that reconnects gets a fresh
// per-client budget, so rechecks (each one forks a probe per mount) also draw on one budget shared by
// every client of the helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHelperSocket } from '../../../src/helper/ipc/helper-socket.js';
import { connectHelper } from '../../../src/node/ipc/client.js';
import type { IpcError } from '../../../src/common/protocol.js';
import { FakeMonitor } from './fake-monitor.js';
import { tempSocketPath } from './raw-client.js';

const never = 0.0001; // tokens per second: none come back during the test

test('reconnecting does not bypass the recheck limit: a global budget bounds rechecks over all clients', async () => {
  const { socketPath, cleanup } = await tempSocketPath();
  const monitor = new FakeMonitor();
  const server = await openHelperSocket({
    socketPath,
    monitor,
    limits: {
      recheckAll: { burst: 1, perSecond: never },
      recheckOne: { burst: 1, perSecond: never },
      globalRecheckAll: { burst: 2, perSecond: never },
      globalRecheckOne: { burst: 3, perSecond: never },
    },
  });
  try {
    const outcomes: string[] = [];
    // A client that connects, rechecks everything once (its whole per-client budget) and reconnects.
    for (let i = 0; i < 6; i++) {
      const c = await connectHelper(socketPath, { timeoutMs: 2000 });
      try {
        await c.recheck();
        outcomes.push('ok');
      } catch (e) {
        assert.equal((e as IpcError).code, 'rate-limited');
        assert.ok(((e as IpcError).retryAfterMs ?? 0) > 0, 'a global refusal says when to retry');
        outcomes.push('limited');
      }
      try {
        await c.recheck('/home');
        outcomes.push('ok');
      } catch (e) {
        assert.equal((e as IpcError).code, 'rate-limited');
        outcomes.push('limited');
      }
      c.close();
    }
    assert.deepEqual(monitor.rechecks.filter((m) => m === undefined).length, 2, 'rechecks of all that reached the monitor');
    assert.deepEqual(monitor.rechecks.filter((m) => m === '/home').length, 3, 'rechecks of one mount that reached the monitor');
    assert.equal(outcomes.filter((o) => o === 'ok').length, 5);
  } finally {
    await server.close();
    await cleanup();
  }
});
