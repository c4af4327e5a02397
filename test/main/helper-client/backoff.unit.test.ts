import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../src/main/helper-client/backoff.js';
import { createReconnectingClient } from '../../../src/main/helper-client/reconnecting-client.js';
import { IpcError } from '../../../src/common/protocol.js';

test('backoff doubles from 500 ms to a 30 s cap, each delay jittered within its upper half', () => {
  const steps = [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000];
  steps.forEach((step, attempt) => {
    assert.equal(backoffDelay(attempt, DEFAULT_BACKOFF, () => 0), step / 2);
    assert.equal(backoffDelay(attempt, DEFAULT_BACKOFF, () => 0.999999), Math.round(step / 2 + 0.999999 * (step / 2)));
  });
  assert.equal(backoffDelay(10_000, DEFAULT_BACKOFF, () => 0.5), 22500);
});

test('the client waits the backoff between attempts (injected timers) and stops on close', async () => {
  const scheduled: number[] = [];
  let pending: (() => void) | undefined;
  let attempts = 0;
  const client = createReconnectingClient({
    socketPath: '/nonexistent/helper-v1.sock',
    connect: async () => {
      attempts += 1;
      throw new IpcError('helper-absent', 'nobody there');
    },
    timers: {
      setTimeout: (fn, ms) => {
        scheduled.push(ms);
        pending = fn;
        return scheduled.length;
      },
      clearTimeout: () => (pending = undefined),
    },
    random: () => 0,
  });
  const tick = async () => {
    await new Promise((r) => setImmediate(r));
    const fn = pending;
    pending = undefined;
    fn?.();
    await new Promise((r) => setImmediate(r));
  };
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 4; i++) await tick();
  assert.deepEqual(scheduled, [250, 500, 1000, 2000, 4000]);
  assert.equal(attempts, 5);
  assert.equal(client.state().status, 'absent');
  client.close();
  assert.equal(pending, undefined);
});
