// What the prober says beyond its answers: its version banner, checked against the client's protocol (a
// binary of another release is refused, its probes go to the Node prober), and its own `?` lines, which
// reach the daemon's log. The mismatched binary is msm-prober.c itself, built with another version.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { proberMismatch, proberSaid } from '../../../src/helper/log/lines.js';
import { createProber } from '../../../src/node/probe/create-prober.js';
import { NativeProber, type ProtocolMismatch, type ProberSaid } from '../../../src/node/probe/native-prober.js';
import { PROTOCOL_VERSION } from '../../../src/node/probe/native-protocol.js';
import { isAlive } from './prober-suite.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

describe('the prober banner and what the prober says', () => {
  let dir: string;
  let oldBinary: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'msm-prober-banner-'));
    oldBinary = join(dir, 'msm-prober');
    const parts = readdirSync(join(ROOT, 'src/node/native/msm-prober')).filter((f) => f.endsWith('.c')).map((f) => join(ROOT, 'src/node/native/msm-prober', f));
    execFileSync(process.env.CC ?? 'cc', ['-O2', `-DPROTOCOL_VERSION=${PROTOCOL_VERSION - 1}`, '-o', oldBinary, join(ROOT, 'src/node/native/msm-prober.c'), ...parts], { stdio: 'inherit' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a binary speaking another protocol is refused, said once, and its probes answered by the Node prober', async () => {
    const said: ProtocolMismatch[] = [];
    const prober = createProber({ kind: 'native', native: { binary: oldBinary, onMismatch: (e) => said.push(e) } });
    try {
      const results = await Promise.all([1, 2, 3].map(() => prober.probe({ path: dir, timeoutMs: 5000, asOwner: false }).result));
      for (const r of results) assert.equal(r.state, 'ok', JSON.stringify(r));
      assert.deepEqual(said, [{ binary: oldBinary, version: PROTOCOL_VERSION - 1, expected: PROTOCOL_VERSION, fallback: true }]);
      assert.equal((prober as NativeProber).proberPid, undefined, 'the refused binary is not running');
      // Later probes do not start it again: still one refusal, still answered.
      assert.equal((await prober.probe({ path: dir, timeoutMs: 5000, asOwner: false }).result).state, 'ok');
      assert.equal(said.length, 1);
    } finally {
      await prober.close();
    }
    assert.ok(proberMismatch(oldBinary, PROTOCOL_VERSION - 1, PROTOCOL_VERSION, true).text.includes(`speaks protocol version ${PROTOCOL_VERSION - 1}, not ${PROTOCOL_VERSION} `));
  });

  test('without a fallback every probe fails as data, naming the binary and both versions', async () => {
    const prober = new NativeProber({ binary: oldBinary });
    try {
      const r = await prober.probe({ path: dir, timeoutMs: 5000, asOwner: false }).result;
      assert.equal(r.state, 'error');
      assert.ok(r.state === 'error' && r.errno === 'ENOEXEC' && r.message.includes(`${oldBinary} speaks probe protocol ${PROTOCOL_VERSION - 1}, not ${PROTOCOL_VERSION}`), JSON.stringify(r));
    } finally {
      await prober.close();
    }
  });

  test("the prober's own ? lines reach the client: a request it cannot read is complained about and still answered", async () => {
    const said: ProberSaid[] = [];
    const prober = new NativeProber({ onProberSaid: (e) => said.push(e) });
    try {
      // 40,000 bytes of path are 80,000 hex digits: more than the server's request buffer holds.
      const r = await prober.probe({ path: `/${'x'.repeat(40_000)}`, timeoutMs: 5000, asOwner: false }).result;
      assert.ok(r.state === 'error' && r.errno === 'ENAMETOOLONG', JSON.stringify(r));
      const pid = prober.proberPid!;
      assert.ok(isAlive(pid), 'the server lives on');
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.match(said[0]!.text, /^request too long for \d+$/);
      assert.equal(said[0]!.pid, pid);
      assert.equal(proberSaid(pid, said[0]!.text).text, `Prober ${pid}: ${said[0]!.text}`);
    } finally {
      await prober.close();
    }
  });
});
