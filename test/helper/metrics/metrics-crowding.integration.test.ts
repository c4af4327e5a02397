// One local user against the metrics port of a real `mountstatus daemon`: as an unprivileged user, a
// process holds more half-sent requests than the port takes connections, and opens another as soon as
// one is closed (by the header timeout, or to make room). Fleet monitoring must still get its scrapes:
// with Node's own connection limit, 0 of 20 were answered. Scrapes here are plain HTTP clients, each on a
// new connection, as a Prometheus whose keep-alive connection timed out makes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { makeTempRoot, mountTmpfs } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { asUser, ensureOtherTestUser } from '../../support/test-user.js';
import { DaemonProcess } from '../cli/cli-harness.js';
import { LIMITS } from '../../../src/helper/metrics/metrics-http.js';
import { cleanupsAfter } from '../../support/cleanups.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.reason);
const cleanups = cleanupsAfter();

const SCRAPES = 20;
/** Prometheus's default scrape_timeout. */
const SCRAPE_TIMEOUT_MS = 10_000;

/** Holds `n` connections with a request never finished, re-opening each as it is closed; prints how many it opened. */
const HOLDER = `
  const net = require('node:net');
  const [port, n] = process.argv.slice(1).map(Number);
  let opened = 0;
  const open = () => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n'));
    opened++;
    s.on('error', () => {});
    s.on('close', () => setImmediate(open));
  };
  for (let i = 0; i < n; i++) open();
  setInterval(() => console.log(opened), 500);`;

/** One GET /metrics on a new connection: its status, or the error that ended it. */
function scrape(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false, timeout: SCRAPE_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
      res.on('error', (e) => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? e.message));
    req.end();
  });
}

test("a user holding every metrics connection with half-sent requests: scrapes are answered", { skip, timeout: 120_000 }, async () => {
  const root = makeTempRoot('metrics-crowding-');
  cleanups.push(() => root.cleanup());
  mountTmpfs(root.join('m'));
  const daemon = new DaemonProcess(['--include', `${root.path}/*`, '--socket', '', '--no-syslog', '--metrics-listen', '127.0.0.1:0']);
  cleanups.push(() => daemon.stop());
  const serving = /Serving Prometheus metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/;
  await daemon.waitFor(serving);
  const port = Number(serving.exec(daemon.stderr)![1]);
  assert.equal(await scrape(port), '200');

  const [cmd, ...args] = asUser(ensureOtherTestUser(), [process.execPath, '-e', HOLDER, String(port), String(LIMITS.connections * 2)]);
  const holder = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => void holder.kill('SIGKILL'));
  let opened = 0;
  holder.stdout!.on('data', (d: Buffer) => (opened = Number(d.toString().trim().split('\n').at(-1))));
  await sleep(1500);
  assert.ok(opened >= LIMITS.connections * 2, `the holder opened ${opened} connections`);

  const results: string[] = [];
  for (let i = 0; i < SCRAPES; i++) {
    results.push(await scrape(port));
    await sleep(500);
  }
  const answered = results.filter((r) => r === '200').length;
  console.log(`# ${answered} of ${SCRAPES} scrapes answered while one user held the port (${opened} connections opened by her): ${[...new Set(results)].join(', ')}`);
  // Before the pool, 0 or 1 of 20 got through. On a loaded machine a scrape whose request the event loop
  // has not read yet can be the oldest unanswered connection when her next one arrives, and be closed: 1 in
  // 20 was, at a load average of 15 (Prometheus tries again at its next interval), and 3 with two emulated
  // guests beside the test. A quarter lost is far from the 19 or 20 lost without the pool.
  assert.ok(answered >= SCRAPES - 5, `answers: ${results.join(', ')}`);
});
