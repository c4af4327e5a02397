// The config reader on a machine starved of CPU: its child takes longer to start than the read's
// deadline, which must not be taken for a config file on a hung mount (measured: a daemon refusing to
// start, "no answer within 5 seconds", in an emulated guest where Node takes 7-9 s to start). The reader
// and its child run in a CPU cgroup of the test's own, capped at 1 % of a core, so that
// starting the child's Node takes well over 5 s, and the read must still succeed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipOrFail } from '../../support/namespace.js';
import { cleanupsAfter } from '../../support/cleanups.js';

const cleanups = cleanupsAfter();

/** A CPU cgroup capped at `permille` of a core (v1's cpu controller or v2's cpu.max), or why none can be made. */
function starvedCgroup(permille: number): { procs: string } | string {
  const name = `msm-starved-${process.pid}`;
  const v1 = '/sys/fs/cgroup/cpu';
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  try {
    if (existsSync(join(v1, 'cpu.cfs_quota_us'))) {
      const dir = join(v1, name);
      mkdirSync(dir);
      cleanups.push(() => rmdirSync(dir));
      // The longest period (1 s), so that the quota stays above the kernel's least (1 ms).
      writeFileSync(join(dir, 'cpu.cfs_period_us'), '1000000');
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(permille * 1000));
      return { procs: join(dir, 'cgroup.procs') };
    }
    const dir = join(v2, name);
    mkdirSync(dir);
    cleanups.push(() => rmdirSync(dir));
    writeFileSync(join(dir, 'cpu.max'), `${permille * 1000} 1000000`);
    return { procs: join(dir, 'cgroup.procs') };
  } catch (e) {
    return `no CPU cgroup can be made here (needs root and the cpu controller): ${(e as Error).message}`;
  }
}

const cgroup = process.getuid?.() === 0 ? starvedCgroup(10) : 'needs root (a CPU cgroup)';
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
