// SyslogWriter with an injected fake logger(1) child: the queue bound, where the drop notice goes,
// the unavailable → stderr path, and restarts — deterministic, without a syslog daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import type { spawn } from 'node:child_process';
import { SyslogWriter } from '../../../src/helper/log/syslog-writer.js';
import type { LogLine } from '../../../src/helper/log/lines.js';
import { setTimeout as sleep } from 'node:timers/promises';

class FakeLogger extends EventEmitter {
  static nextPid = 900_000;
  /** New fakes never connect, as logger with no socket to connect to (it exits instead). */
  static refuse = false;
  connected = !FakeLogger.refuse;
  pid = FakeLogger.nextPid++;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  received: string[] = [];
  stalled = false;
  private held: (() => void)[] = [];
  stderr = new PassThrough();
  stdin = new Writable({
    highWaterMark: 64,
    write: (chunk: Buffer, _enc, cb) => {
      this.received.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      if (this.stalled) this.held.push(cb);
      else cb();
    },
  });
  constructor(readonly args: string[]) {
    super();
    queueMicrotask(() => this.emit('spawn'));
  }
  release(): void {
    this.stalled = false;
    for (const cb of this.held.splice(0)) cb();
  }
  die(code: number | null, signal: NodeJS.Signals | null, said = ''): void {
    this.exitCode = code;
    this.signalCode = signal;
    if (said) this.stderr.write(said);
    this.stderr.end();
    this.emit('exit', code, signal);
  }
  kill(): boolean {
    this.die(null, 'SIGKILL');
    return true;
  }
}

function harness(opts: { maxQueued?: number; restartMs?: number } = {}) {
  const children: FakeLogger[] = [];
  const fallback: LogLine[] = [];
  const diagnostics: string[] = [];
  const fakeSpawn = ((_cmd: string, args: string[]) => {
    const c = new FakeLogger(args);
    children.push(c);
    return c;
  }) as unknown as typeof spawn;
  const writer = new SyslogWriter({
    socket: '/run/test.sock',
    pid: 4242,
    spawn: fakeSpawn,
    readyTimeoutMs: 5000,
    isConnected: async (pid) => children.find((c) => c.pid === pid)?.connected,
    restartInitialMs: opts.restartMs ?? 1,
    maxQueued: opts.maxQueued ?? 10,
    fallback: (l) => fallback.push(l),
    diagnostic: (l) => diagnostics.push(l.text),
  });
  return { writer, children, fallback, diagnostics };
}

const tick = (ms = 20) => sleep(ms);
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await tick(10);
  assert.ok(cond(), 'condition not reached within 5 s');
}
const info = (text: string): LogLine => ({ severity: 'info', text });

test('logger is started with our PID, the ident, the socket and a priority prefix per line', async () => {
  const { writer, children } = harness();
  assert.deepEqual(children[0]!.args.slice(0, 7), [
    '--prio-prefix', '--id=4242', '-t', 'MountStatusMonitor', '-u', '/run/test.sock', '--socket-errors=on',
  ]);
  await tick();
  writer.write({ severity: 'warning', text: 'a\nb' });
  await tick();
  assert.deepEqual(children[0]!.received, ['<28>a\\012b']);
  await writer.close(100);
});

test('a stalled logger: the queue stays bounded, the oldest are dropped, and the notice marks the gap', async () => {
  const { writer, children } = harness({ maxQueued: 10 });
  await tick();
  const child = children[0]!;
  child.stalled = true;
  for (let i = 0; i < 50; i++) writer.write(info(`m${i}`));
  const s = writer.stats();
  assert.equal(s.queued, 10);
  assert.ok(s.written < 40, 'only a few lines fit into the stalled stream');
  assert.equal(s.dropped, 50 - 10 - s.written);
  child.release();
  await tick();
  assert.equal(child.received.length, s.written + 1 + 10);
  assert.deepEqual(child.received.slice(s.written), [
    `<28>Dropped ${s.dropped} log messages while syslog was not accepting them`,
    ...Array.from({ length: 10 }, (_, k) => `<30>m${40 + k}`),
  ]);
  assert.equal(writer.stats().queued, 0);
  await writer.close(100);
});

test('no socket: lines go to the fallback, retries back off, and the count is reported once syslog works', async () => {
  FakeLogger.refuse = true;
  const { writer, children, fallback, diagnostics } = harness({ restartMs: 40 });
  writer.write(info('queued while starting'));
  children[0]!.die(1, null, 'logger: socket /run/test.sock: No such file or directory\n');
  await tick(5);
  assert.equal(writer.stats().state, 'unavailable');
  writer.write(info('while unavailable'));
  assert.deepEqual(fallback.map((l) => l.text), ['queued while starting', 'while unavailable']);
  assert.equal(diagnostics.length, 1, diagnostics.join('\n'));
  assert.match(diagnostics[0]!, /^Syslog unavailable: socket \/run\/test.sock: No such file or directory; writing log lines to standard error, retrying$/);
  // The retry (after 40 ms) fails the same way; still one diagnostic for the whole outage.
  await until(() => children.length === 2);
  children[1]!.die(1, null, 'logger: socket /run/test.sock: No such file or directory\n');
  await tick(10);
  assert.equal(diagnostics.length, 1);
  FakeLogger.refuse = false;
  await until(() => writer.stats().state === 'up'); // the next retry comes after 80 ms
  const third = children[2]!;
  writer.write(info('back'));
  await tick();
  assert.deepEqual(third.received, [
    '<28>Syslog was unavailable (socket /run/test.sock: No such file or directory): 2 log messages went to standard error only',
    '<30>back',
  ]);
  assert.equal(writer.stats().unavailable, 2);
  await writer.close(100);
});

test('logger dying after it worked is restarted; lines written meanwhile are kept', async () => {
  const { writer, children, diagnostics } = harness({ restartMs: 30 });
  await tick();
  children[0]!.die(null, 'SIGKILL');
  await tick(5);
  writer.write(info('during restart'));
  assert.equal(writer.stats().state, 'restarting');
  await until(() => children[1]?.received.length === 1);
  assert.deepEqual(children[1]!.received, ['<30>during restart']);
  assert.equal(diagnostics[0], 'Syslog writer (logger) stopped: logger was killed by SIGKILL; restarting it in 30 ms');
  assert.equal(writer.stats().loggerStarts, 2);
  await writer.close(100);
});

test('logger not installed: everything goes to the fallback, nothing throws', async () => {
  const children: EventEmitter[] = [];
  const fallback: LogLine[] = [];
  const writer = new SyslogWriter({
    loggerPath: '/nonexistent/logger',
    restartInitialMs: 10_000,
    fallback: (l) => fallback.push(l),
    diagnostic: () => undefined,
  });
  writer.write(info('x'));
  for (let i = 0; i < 100 && writer.stats().state !== 'unavailable'; i++) await tick(10);
  assert.equal(writer.stats().state, 'unavailable');
  assert.match(writer.stats().lastError ?? '', /couldn't start \/nonexistent\/logger: ENOENT/);
  writer.write(info('y'));
  assert.deepEqual(fallback.map((l) => l.text), ['x', 'y']);
  assert.equal(children.length, 0);
  await writer.close(100);
});

test('close while logger is still connecting waits for it: the lines reach syslog, not stderr', async () => {
  const { writer, children, fallback } = harness();
  writer.write(info('written at once'));
  const closed = writer.close(500); // a one-shot `check --syslog` closes right after its sweep
  await closed;
  assert.deepEqual(children[0]!.received, ['<30>written at once']);
  assert.deepEqual(fallback, []);
});

test('close with syslog unreachable: the lines went to the fallback, and the diagnostic says how many and why', async () => {
  FakeLogger.refuse = true;
  try {
    const { writer, children, fallback, diagnostics } = harness({ restartMs: 10_000 });
    writer.write(info('one'));
    writer.write(info('two'));
    const closed = writer.close(2000);
    children[0]!.die(1, null, 'logger: socket /run/test.sock: No such file or directory\n');
    await closed;
    assert.deepEqual(fallback.map((l) => l.text), ['one', 'two']);
    assert.deepEqual(diagnostics, [
      'Syslog unavailable: socket /run/test.sock: No such file or directory; writing log lines to standard error, retrying',
      'Syslog was unavailable (socket /run/test.sock: No such file or directory): 2 log messages went to standard error only',
    ]);
  } finally {
    FakeLogger.refuse = false;
  }
});
