// The config reader on a machine starved of CPU: its child takes longer to start than the read's
// deadline, which must not be taken for a config file on a hung mount (measured: a daemon refusing to
// start, "no answer within 5 seconds", in an emulated guest where Node takes 7-9 s to start). The reader
// and its child run in a CPU cgroup of the test's own, capped at 1 % of a core, so that
// starting the child's Node takes well over 5 s, and the read must still succeed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipOrFail } from '../../support/namespace.js';
import { cleanupsAfter } from '../../support/cleanups.js';
import { starvedCgroup } from '../../support/cpu-cgroup.js';

const cleanups = cleanupsAfter();

const cgroup = starvedCgroup('config', 10, cleanups);
const skip = skipOrFail(typeof cgroup === 'string' ? cgroup : undefined);

test('a reader child slow to start (CPU-starved) is waited for: the deadline counts from its first word', { skip, timeout: 180_000 }, async () => {
  if (typeof cgroup === 'string') return;
  const dir = mkdtempSync(join(tmpdir(), 'msm-starved-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.conf'), 'interval = 30\n');
  const reader = new URL('../../../src/helper/config/config-reader.js', import.meta.url).href;
  // Node enters the cgroup before it starts (sh writes its own pid, then execs), so its child does too.
  const script = `
    import { ConfigReader } from ${JSON.stringify(reader)};
    const started = Date.now();
    const result = await new ConfigReader().read(process.argv[1]).then((r) => r, (e) => ({ error: e.message }));
    console.log(JSON.stringify({ result, ms: Date.now() - started }));`;
  const child = spawn('sh', ['-c', `echo $$ > "$0" && exec "$@"`, cgroup.procs, process.execPath, '--input-type=module', '-e', script, join(dir, 'a.conf')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  await new Promise((resolve) => child.once('exit', resolve));
  const { result, ms } = JSON.parse(out) as { result: unknown; ms: number };
  console.log(`# the read took ${ms} ms at 1 % of a core (the read's own deadline: 5 s)`);
  assert.deepEqual(result, { text: 'interval = 30\n' });
  // Else the starving did not starve, and nothing was shown.
  assert.ok(ms > 5000, `the child started in ${ms} ms: not slower than the deadline, so this proves nothing here`);
});
