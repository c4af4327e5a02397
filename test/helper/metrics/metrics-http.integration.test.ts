// The metrics endpoint of a real `mountstatus daemon` under bad input over real sockets: garbage, huge
// headers, slowloris, a body nobody asked for, 500 connections at once. Each is answered or closed
// within its limit, the daemon keeps sweeping throughout, its memory stays bounded, and afterwards
// scrapes work as before. Plus the ordinary answers: GET and HEAD /metrics, 404 for the rest, and a port
// in use (a warning, monitoring goes on, the port bound once it is free).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { makeTempRoot, mountTmpfs } from '../../support/mounts.js';
import { DaemonProcess } from '../cli/cli-harness.js';
import { freePort } from '../../support/prometheus.js';
import { LIMITS } from '../../../src/helper/metrics/metrics-http.js';
import { LISTEN_RETRY_SECONDS } from '../../../src/helper/metrics/start-metrics.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.reason);
const cleanups = cleanupsAfter();


/** What the server sent on one raw connection, and how long until it closed it (ms after connect). */
interface Exchange {
  response: string;
  closedAfterMs: number;
}

/** Opens a connection, runs `drive` on it, and resolves when the server closes it (or after `limitMs`). */
function exchange(port: number, drive: (s: Socket) => void, limitMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect(port, '127.0.0.1');
    let response = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (response += d.slice(0, 4096 - response.length)));
    s.on('error', () => undefined); // a reset is one way of being closed
    const timer = setTimeout(() => s.destroy(), limitMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
    s.once('connect', () => drive(s));
  });
}

function rssKb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: Number(/VmRSS:\s+(\d+)/.exec(status)![1]), hwm: Number(/VmHWM:\s+(\d+)/.exec(status)![1]) };
}

test('garbage, huge headers, slowloris, bodies and 500 connections: each bounded, the daemon sweeps on with bounded memory', { skip, timeout: 120_000 }, async () => {
  const root = makeTempRoot('metrics-http-');
  cleanups.push(() => root.cleanup());
  for (let i = 0; i < 20; i++) mountTmpfs(root.join(`m${i}`));
  const daemon = new DaemonProcess(['--interval', '0.5', '--timeout', '2', '--include', `${root.path}/*`, '--socket', '', '--no-syslog', '--metrics-listen', '127.0.0.1:0']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Serving Prometheus metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/);
  const port = Number(/Serving Prometheus metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(daemon.stderr)![1]);
  const url = `http://127.0.0.1:${port}`;

  // The ordinary answers first, once the first sweep has reached every mount (the port is served from
  // the start, while that sweep may still be under way on a loaded machine).
  let ok: Response;
  let body: string;
  const firstSweep = Date.now() + 20_000;
  do {
    ok = await fetch(`${url}/metrics`);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    body = await ok.text();
  } while (!/^mountstatus_mounts\{state="ok"\} 20$/m.test(body) && Date.now() < firstSweep && (await sleep(100), true));
  assert.match(body, /^mountstatus_mounts\{state="ok"\} 20$/m);
  const head = await fetch(`${url}/metrics`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  assert.ok(Number(head.headers.get('content-length')) > 1000);
  for (const [method, path] of [['GET', '/'], ['GET', '/metrics/x'], ['GET', '/favicon.ico'], ['POST', '/metrics'], ['DELETE', '/metrics'], ['GET', '/../etc/passwd']] as const) {
    assert.equal((await fetch(url + path, { method })).status, 404, `${method} ${path}`);
  }
  assert.equal((await fetch(`${url}/metrics?name[]=mountstatus_mounts`)).status, 200, 'a query string is ignored');

  // Warm up, then the baseline.
  for (let i = 0; i < 20; i++) await (await fetch(`${url}/metrics`)).arrayBuffer();
  await sleep(1000);
  const before = rssKb(daemon.pid);
  const sweepsBefore = daemon.count(/Checked 20 mounts/);
  const attackStarted = Date.now();

  // 500 connections at once, held open and silent.
  const crowd = await Promise.all(Array.from({ length: 500 }, () => exchange(port, () => undefined, 30_000)));
  const slowest = (xs: Exchange[]) => Math.max(...xs.map((e) => e.closedAfterMs));
  // Beyond the limit the oldest silent ones make room as the others arrive: only the last few wait for a timeout.
  const crowdAtOnce = crowd.filter((e) => e.closedAfterMs < LIMITS.headersMs - 1000).length;
  assert.ok(crowdAtOnce >= 500 - LIMITS.connections - 5, `connections beyond the limit are closed before the timeouts: ${crowdAtOnce}`);
  assert.ok(slowest(crowd) < LIMITS.requestMs + 3000, `silent connections are closed by the timeouts: ${slowest(crowd)} ms`);

  // Then each kind of bad request, in batches that fit the connection limit, so that each one is
  // answered by the parser rather than dropped at the door.
  const batch = (n: number, drive: (s: Socket) => void) => Promise.all(Array.from({ length: n }, () => exchange(port, drive, 30_000)));
  const garbage = await batch(12, (s) => s.write(randomBytes(4096)));
  const huge = await batch(12, (s) => s.write(`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`));
  const slowloris = await batch(12, (s) => {
    s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => (s.writable ? s.write('X-a: b\r\n') : clearInterval(drip)), 1000);
    s.once('close', () => clearInterval(drip));
  });
  const bodies = await batch(4, (s) => {
    s.write('POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n');
    const pour = setInterval(() => (s.writable ? s.write(randomBytes(65536)) : clearInterval(pour)), 10);
    s.once('close', () => clearInterval(pour));
  });
  const attackMs = Date.now() - attackStarted;
  console.log(
    `# 500 silent connections: ${crowdAtOnce} closed to make room (over the ${LIMITS.connections}-connection limit), the rest within ${slowest(crowd)} ms; ` +
      `garbage answered and closed within ${slowest(garbage)} ms, huge headers ${slowest(huge)} ms, slowloris ${slowest(slowloris)} ms, endless bodies ${slowest(bodies)} ms`,
  );
  const statuses = (xs: Exchange[]) => [...new Set(xs.map((e) => e.response.split('\r\n')[0]))];
  assert.deepEqual(statuses(garbage), ['HTTP/1.1 400 Bad Request']);
  assert.deepEqual(statuses(huge), ['HTTP/1.1 431 Request Header Fields Too Large']);
  assert.deepEqual(statuses(slowloris), ['HTTP/1.1 408 Request Timeout']);
  assert.deepEqual(statuses(bodies), ['HTTP/1.1 404 Not Found'], 'an unasked body: answered, not read');
  const fastestSlowloris = Math.min(...slowloris.map((e) => e.closedAfterMs));
  assert.ok(fastestSlowloris >= LIMITS.headersMs - 500 && slowest(slowloris) < LIMITS.headersMs + 3000, `slowloris cut off at the header timeout: ${fastestSlowloris}-${slowest(slowloris)} ms`);
  assert.ok(slowest(bodies) < 3000, `an endless body ends the connection: ${slowest(bodies)} ms`);

  // Sweeping went on (interval 0.5 s) and memory stayed bounded.
  const sweeps = daemon.count(/Checked 20 mounts/) - sweepsBefore;
  const afterAttack = rssKb(daemon.pid);
  console.log(`# during ${attackMs} ms of attack: ${sweeps} sweeps; RSS ${before.rss} -> ${afterAttack.rss} kB, peak ${before.hwm} -> ${afterAttack.hwm} kB`);
  assert.ok(sweeps >= attackMs / 500 / 2, `the daemon kept sweeping: ${sweeps} sweeps in ${attackMs} ms`);
  assert.ok(afterAttack.hwm - before.hwm < 40_000, `peak memory grew by ${afterAttack.hwm - before.hwm} kB`);

  // And scrapes work again.
  const again = await fetch(`${url}/metrics`);
  assert.equal(again.status, 200);
  assert.match(await again.text(), /^mountstatus_build_info\{version="[^"]+"\} 1$/m);
  daemon.child.kill('SIGTERM');
  assert.deepEqual(await daemon.exited(), { code: 0, signal: null });
});

test('a port in use: a warning, monitoring goes on, and the port is taken once it is free', { skip, timeout: 30_000 + LISTEN_RETRY_SECONDS * 2000 }, async () => {
  const root = makeTempRoot('metrics-http-busy-');
  cleanups.push(() => root.cleanup());
  mountTmpfs(root.join('a'));
  const squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
  const port = (squatter.address() as { port: number }).port;
  const daemon = new DaemonProcess(['--interval', '0.5', '--timeout', '2', '--include', `${root.path}/*`, '--socket', '', '--no-syslog', '--metrics-listen', `127.0.0.1:${port}`]);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(new RegExp(`warning: Cannot serve metrics on 127\\.0\\.0\\.1:${port}: EADDRINUSE: Address already in use; monitoring goes on, trying again every ${LISTEN_RETRY_SECONDS} seconds`));
  await daemon.waitFor(/Checked 1 mounts in/);
  const sweeps = daemon.count(/Checked 1 mounts in/);
  await sleep(1500);
  assert.ok(daemon.count(/Checked 1 mounts in/) > sweeps, 'monitoring goes on');
  await new Promise<void>((r) => squatter.close(() => r()));
  await daemon.waitFor(new RegExp(`Serving Prometheus metrics at http://127\\.0\\.0\\.1:${port}/metrics`), LISTEN_RETRY_SECONDS * 1000 + 10_000);
  assert.equal(daemon.count(/Cannot serve metrics/), 1, 'said once, not at every retry');
  assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 200);
  daemon.child.kill('SIGTERM');
  assert.deepEqual(await daemon.exited(), { code: 0, signal: null });
});

test('a bad address is refused at start: exit 2 and why', { skip }, async () => {
  const daemon = new DaemonProcess(['--socket', '', '--no-syslog', '--metrics-listen', 'localhost:9877']);
  cleanups.push(() => daemon.stop());
  assert.deepEqual(await daemon.exited(), { code: 2, signal: null });
  assert.match(daemon.stderr, /mountstatus daemon: --metrics-listen: "localhost" is not a numeric IPv4 address \(host names are not looked up\)/);
});

test('SIGHUP: a new address and cap take effect at once, the old port is closed; a bad address keeps the settings in force', { skip }, async () => {
  const root = makeTempRoot('metrics-http-hup-');
  cleanups.push(() => root.cleanup());
  mountTmpfs(root.join('a'));
  const [first, second] = [await freePort(), await freePort()];
  const config = root.join('msm.conf');
  const write = (extra: string) => writeFileSync(config, `interval = 0.5\ntimeout = 2\ninclude = ${root.path}/*\n${extra}`);
  write(`metrics-listen = 127.0.0.1:${first}\n`);
  const daemon = new DaemonProcess(['--config', config, '--socket', '', '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(new RegExp(`Serving Prometheus metrics at http://127\\.0\\.0\\.1:${first}/metrics`));
  await daemon.waitFor(/Checked 1 mounts in/);
  assert.match(await (await fetch(`http://127.0.0.1:${first}/metrics`)).text(), /^mountstatus_mount_info\{/m);

  write(`metrics-listen = 127.0.0.1:${second}\nmetrics-max-mounts = 0\n`);
  daemon.child.kill('SIGHUP');
  await daemon.waitFor(new RegExp(`Serving Prometheus metrics at http://127\\.0\\.0\\.1:${second}/metrics`));
  const text = await (await fetch(`http://127.0.0.1:${second}/metrics`)).text();
  assert.doesNotMatch(text, /^mountstatus_mount_info/m, 'metrics-max-mounts = 0: host series only');
  assert.match(text, /^mountstatus_omitted_mounts\{reason="limit"\} 1$/m);
  await assert.rejects(fetch(`http://127.0.0.1:${first}/metrics`), 'the old port is closed');

  write('metrics-listen = 127.0.0.1:99999\n');
  daemon.child.kill('SIGHUP');
  await daemon.waitFor(/Kept the previous settings: .*msm\.conf:4: the port must be between 0 and 65535/);
  assert.equal((await fetch(`http://127.0.0.1:${second}/metrics`)).status, 200, 'still serving where it was');
  daemon.child.kill('SIGTERM');
  assert.deepEqual(await daemon.exited(), { code: 0, signal: null });
});
