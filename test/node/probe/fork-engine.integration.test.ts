// The monitor's and the daemon's own isolation tests (mount churn; many sweeps of a frozen mount with no
// pile-up; a probe stuck in D state), run again with the prober forking a child per probe
// (MSM_PROBE_ENGINE=fork), the engine macOS and the BSDs get: both engines must keep them. Each file runs
// as it would alone, in this file's private mount namespace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createProber } from '../../../src/node/probe/create-prober.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);

for (const file of ['../monitor/churn.integration.test.js', '../../helper/cli/daemon.integration.test.js']) {
  test(`${file.split('/').pop()} with fork per probe`, { skip, timeout: 300_000 }, () => {
    const path = fileURLToPath(new URL(file, import.meta.url));
    // Without NODE_TEST_CONTEXT: the child then reports in TAP, not to us as a subtest runner.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', path], { env: { ...env, MSM_PROBE_ENGINE: 'fork' }, encoding: 'utf8' });
    const summary = r.stdout.split('\n').filter((l) => /^# (pass|fail|skipped)/.test(l)).join(', ');
    assert.equal(r.status, 0, `${summary}\n${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}`);
    assert.match(summary, /# pass [1-9]/, summary);
    assert.match(summary, /# skipped 0/, `${summary}: a skipped test proves nothing here`);
  });
}

test('MSM_PROBE_ENGINE=fork gives every probe a child of its own; by default workers take many each', async () => {
  const pidsWith = async (env: NodeJS.ProcessEnv): Promise<number> => {
    const prober = createProber({ kind: 'native' }, env);
    try {
      const rs = await Promise.all(Array.from({ length: 20 }, () => prober.probe({ path: '/', timeoutMs: 10_000, asOwner: false }).result));
      for (const r of rs) assert.equal(r.state, 'ok', JSON.stringify(r));
      return new Set(rs.map((r) => r.pid)).size;
    } finally {
      await prober.close();
    }
  };
  assert.equal(await pidsWith({ MSM_PROBE_ENGINE: 'fork' }), 20);
  assert.ok((await pidsWith({})) < 20);
});
