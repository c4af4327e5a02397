// The stderr sink in a real child process whose stderr is a real pipe (a socketpair, as Node and
// systemd's journal stream give it): a slow reader on a non-blocking fd loses nothing, a reader that
// went away (EPIPE) neither crashes the process nor goes uncounted, and one message stays one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { formatStderrLine } from '../../../src/helper/log/stderr-sink.js';
import { setTimeout as sleep } from 'node:timers/promises';

const sinkModule = new URL('../../../src/helper/log/stderr-sink.js', import.meta.url).href;

/**
 * A child that writes `count` lines through the sink. With touch, it first reads process.stderr, as
 * any warning or CLI message does, which makes libuv set O_NONBLOCK on fd 2. It prints "queued", keeps
 * running until its stdin ends, then prints the sink's dropped() count.
 */
function childScript(count: number, touch: boolean): string {
  return `
    import { createStderrSink } from ${JSON.stringify(sinkModule)};
    ${touch ? 'process.stderr;' : ''}
    const sink = createStderrSink({ format: 'plain', pid: 1, maxPending: 1_000_000 });
    for (let i = 0; i < ${count}; i++) sink.write({ severity: 'info', text: 'line ' + i + ' ' + 'x'.repeat(200) });
    process.stdout.write('queued\\n');
    const alive = setInterval(() => {}, 1000);
    process.stdin.resume();
    process.stdin.on('end', () => {
      clearInterval(alive);
      const poll = () => (sink.dropped() >= ${count} || Date.now() > deadline ? process.stdout.write('dropped ' + sink.dropped() + '\\n') : setTimeout(poll, 10));
      const deadline = Date.now() + ${touch ? 0 : 10_000};
      poll();
    });
  `;
}

function runChild(count: number, touch: boolean) {
  return spawn(process.execPath, ['--input-type=module', '-e', childScript(count, touch)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function untilLine(stream: NodeJS.ReadableStream, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; got ${JSON.stringify(text)}`)), timeoutMs);
    stream.on('data', (d: Buffer) => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
  });
}

test('stderr made non-blocking and a reader that is behind: every line arrives, in order, none dropped', { timeout: 60_000 }, async () => {
  const n = 3000; // ~640 KB: far more than a socketpair's buffer
  const child = runChild(n, true);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await untilLine(child.stdout!, /queued\n/);
  // Only now start reading: meanwhile the pipe was full and the child's writes got EAGAIN.
  let err = '';
  child.stderr!.setEncoding('latin1');
  const all = new Promise<void>((resolve) => {
    child.stderr!.on('data', (d: string) => {
      err += d;
      if (err.split('\n').length > n) resolve();
    });
  });
  const t0 = performance.now();
  try {
    // A generous "did not hang" bound: lines that were lost never arrive.
    await Promise.race([all, exited, sleep(20_000, undefined, { ref: false })]);
    console.log(`# ${n} lines through a full non-blocking stderr in ${(performance.now() - t0).toFixed(0)} ms`);
    const dropped = untilLine(child.stdout!, /dropped \d+\n/);
    child.stdin!.end();
    const lines = err.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, n, `${n - lines.length} lines lost; the sink says ${(await dropped).trim()}`);
    assert.equal(await dropped, 'dropped 0\n');
    assert.equal(await exited, 0);
    lines.forEach((l, i) => assert.equal(l, `MountStatusMonitor[1]: info: line ${i} ${'x'.repeat(200)}`));
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('stderr closed by its reader (EPIPE): the process carries on and the lost lines are counted', { timeout: 60_000 }, async () => {
  const n = 100;
  const child = runChild(n, false);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  child.stderr!.destroy(); // our end of the pipe is closed: the child's writes get EPIPE
  await untilLine(child.stdout!, /queued\n/);
  const dropped = untilLine(child.stdout!, /dropped \d+\n/);
  child.stdin!.end();
  assert.equal(await dropped, `dropped ${n}\n`);
  assert.equal(await exited, 0, 'EPIPE on stderr must not end the process');
});

test('a message with a raw line break stays one line on stderr, in both formats', async () => {
  const line = { severity: 'err' as const, text: 'Couldn\'t check mountpoint /mnt/a\nMountStatusMonitor[1]: forged' };
  assert.equal(formatStderrLine(line, 'sd-daemon', 7), '<3>Couldn\'t check mountpoint /mnt/a\\012MountStatusMonitor[1]: forged\n');
  assert.equal(
    formatStderrLine(line, 'plain', 7),
    'MountStatusMonitor[7]: err: Couldn\'t check mountpoint /mnt/a\\012MountStatusMonitor[1]: forged\n',
  );
  // Through a real pipe too: the reader sees exactly one line.
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    import { createStderrSink } from ${JSON.stringify(sinkModule)};
    createStderrSink({ format: 'sd-daemon', pid: 1 }).write({ severity: 'warning', text: 'a\\nb\\rc\\u2028d' });
  `], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((r) => child.on('close', r));
  assert.equal(err, '<4>a\\012b\\015c\\342\\200\\250d\n');
});
