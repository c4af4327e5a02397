// The C prober's request reading, spoken to directly over its stdin/stdout (no mounts needed: the
// only path probed is "/", by the server's child). A request longer than the server's line buffer must
// still get its one answer, and must not derail the requests after it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { NativeProber, nativeProberPath } from '../../../src/node/probe/native-prober.js';
import { nativeProberAvailable } from '../../../src/node/probe/create-prober.js';
import { withBound } from './prober-suite.js';
import { setTimeout as sleep } from 'node:timers/promises';

if (!nativeProberAvailable()) throw new Error('dist/native/msm-prober is not built: run `make native` (npm run build)');

const ENAMETOOLONG = 36; // Linux asm-generic/errno-base.h

/**
 * Runs the server, writes `input`, and once every id in `ids` has been answered and reaped closes stdin
 * (EOF makes the server SIGKILL its children, so not before) and returns every line it wrote.
 */
function converse(input: string, ids: number[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(nativeProberPath(), ['--reap-ms', '1000'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const done = (l: string, id: number) => (/^[ODE] /.test(l) && l.split(' ')[1] === String(id) && l.split(' ').length >= 6 && / -?\d+ \d+$/.test(l)) || l.startsWith(`X ${id} `);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      out += s;
      const lines = out.split('\n');
      if (ids.every((id) => lines.some((l) => done(l, id)))) child.stdin.end();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`msm-prober did not answer every request; it wrote:\n${out.slice(0, 2000)}`));
    }, 15_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out.split('\n').filter((l) => l !== ''));
    });
    child.stdin.write(input);
  });
}

const hex = (s: string) => Buffer.from(s).toString('hex');

test('a request longer than the line buffer gets an ENAMETOOLONG answer for its id; the next request works', async () => {
  for (const bytes of [5000, 20_000, 100_000]) {
    const long = '/' + 'x'.repeat(bytes - 1);
    const lines = await converse(`P 7 5000 0 - -1 - ${hex(long)}\nP 8 5000 0 - -1 - ${hex('/')}\n`, [7, 8]);
    const answers = lines.filter((l) => /^[ODEH] /.test(l));
    assert.deepEqual(
      answers.filter((l) => l.startsWith('E 7 ')).map((l) => l.split(' ').slice(0, 6).join(' ')),
      [`E 7 0 0 ${ENAMETOOLONG} fork`],
      `${bytes}-byte path: one error answer for request 7; got ${lines.join(' | ').slice(0, 400)}`,
    );
    assert.equal(answers.filter((l) => l.startsWith('O 8 ')).length, 1, `${bytes}-byte path: request 8 answered ok`);
    assert.equal(answers.length, 2, `exactly one answer per request: ${answers.join(' | ')}`);
    assert.deepEqual(lines.filter((l) => l.startsWith('? unknown')), [], 'the rest of the long line is not read as new requests');
  }
});

test('through NativeProber: a path too long for a request fails as data at once, other probes unharmed', async () => {
  const prober = new NativeProber({ watchdogGraceMs: 1000 });
  try {
    const long = prober.probe({ path: '/' + 'y'.repeat(6000), timeoutMs: 1000, asOwner: false });
    const fine = prober.probe({ path: '/', timeoutMs: 5000, asOwner: false });
    const r = await withBound(long.result, 10_000, 'long-path probe did not settle');
    assert.equal(r.state === 'error' && r.errno, 'ENAMETOOLONG', JSON.stringify(r));
    assert.equal((await withBound(fine.result, 10_000, 'probe of / did not settle')).state, 'ok');
    const server = prober.proberPid;
    // The watchdog (timeout + grace) must not have had to kill the server to settle the long one.
    await sleep(2500);
    assert.equal(prober.proberPid, server, 'the prober was not killed by the watchdog');
    assert.equal((await prober.probe({ path: '/', timeoutMs: 5000, asOwner: false }).result).state, 'ok');
  } finally {
    await prober.close();
  }
});

test('fields out of bounds get an EINVAL answer for their id, never a wrapped number or silence', async () => {
  const bad = [
    `P 1 86400001 0 - -1 - ${hex('/')}`, // timeout beyond a day
    `P 2 99999999999999999999 0 - -1 - ${hex('/')}`, // overflows a 64-bit number
    `P 3 1000 2 - -1 - ${hex('/')}`, // as-owner is 0 or 1
    `P 4 1000 0 1000 -1 - ${hex('/')}`, // as-user is uid:gid or -
    `P 5 -5 0 - -1 - ${hex('/')}`,
  ];
  const lines = await converse(bad.join('\n') + `\nP 6 5000 0 - -1 - ${hex('/')}\n`, [1, 2, 3, 4, 5, 6]);
  for (const id of [1, 2, 3, 4, 5]) {
    assert.deepEqual(lines.filter((l) => l.startsWith(`E ${id} `)), [`E ${id} 0 0 22 fork -1 0`], lines.join(' | '));
  }
  assert.equal(lines.filter((l) => l.startsWith('O 6 ')).length, 1, lines.join(' | '));
});

test('a bad --reap-ms is refused at start with a usage error', () => {
  for (const v of ['-1', '60001', '12abc', '']) {
    const r = spawnSync(nativeProberPath(), ['--reap-ms', v], { encoding: 'utf8', input: '' });
    assert.equal(r.status, 2, `--reap-ms ${JSON.stringify(v)}: ${r.stderr}`);
    assert.match(r.stderr, /--reap-ms takes 0 to 60000 milliseconds/);
  }
});
