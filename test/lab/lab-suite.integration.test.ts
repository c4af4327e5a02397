// Runs every compiled *.lab.test.js (tests that need kernel parts this machine may lack: autofs, the NFS
// client and server, CIFS) inside the lab's guest (test/support/lab.ts): one boot per release, all of that
// release's files in it under `node --test` with CI=true, their spec output streamed here as it comes.
// MSM_LAB_ONLY=REGEX runs only the files whose path matches (for working on one scenario; never under CI).
// A file ending in .bookworm.lab.test.js runs on Debian 12's kernel, any other on Debian 13's. The run
// fails when any test inside fails, is cancelled or skips: nothing the lab can run may skip. The helper's
// .deb, built here (test/support/helper-deb.ts), is in every guest at GUEST_HELPER_DEB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipOrFail } from '../support/namespace.js';
import { assertGuestPassed, labUnavailable, runInGuest, type LabRelease } from '../support/lab.js';
import { GUEST_HELPER_DEB, helperDeb } from '../support/helper-deb.js';

const skip = skipOrFail(labUnavailable());
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DIST_TEST = join(REPO, 'dist/test');

function labFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return labFiles(p);
      return name.endsWith('.lab.test.js') ? [relative(REPO, p)] : [];
    });
}

const only = process.env.CI === 'true' ? undefined : process.env.MSM_LAB_ONLY;
const byRelease = new Map<LabRelease, string[]>();
for (const file of labFiles(DIST_TEST).filter((f) => only === undefined || new RegExp(only).test(f))) {
  const release: LabRelease = file.endsWith('.bookworm.lab.test.js') ? 'bookworm' : 'trixie';
  byRelease.set(release, [...(byRelease.get(release) ?? []), file]);
}

/** The TAP reporter's closing counts ("# pass 12"). */
function counts(tap: string): Record<string, number> {
  return Object.fromEntries([...tap.matchAll(/^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

for (const [release, files] of byRelease) {
  // Debian 13's 13 files take ~30 min of emulated guest at load 15 (most of it two-minute outages and
  // daemons that take 7-9 s to start): the bounds leave room for a loaded machine, inside CI's 90 min.
  test(`${release}: ${files.length} lab test files in one guest`, { skip, timeout: 50 * 60_000 }, async () => {
    const r = await runInGuest({
      release,
      env: { CI: 'true' },
      files: { [basename(GUEST_HELPER_DEB)]: helperDeb() },
      timeoutMs: 45 * 60_000,
      script: [
        'node --test --test-concurrency=1',
        '--test-reporter=spec --test-reporter-destination=stdout',
        '--test-reporter=tap --test-reporter-destination=/lab/results/tap',
        ...files,
      ].join(' '),
      onOutput: (line) => console.log(`# ${release}: ${line}`),
    });
    console.log(`# ${release} guest (${r.accel}): tests started ${r.bootMs} ms after qemu, guest off after ${r.elapsedMs} ms`);
    assertGuestPassed(r);
    const tap = readFileSync(join(r.resultsDir, 'tap'), 'utf8');
    const n = counts(tap);
    const skipped = tap.split('\n').filter((l) => /# (SKIP|TODO)\b/.test(l));
    assert.ok((n.tests ?? 0) > 0, `no test ran: ${r.dir}`);
    assert.deepEqual({ fail: n.fail, cancelled: n.cancelled, skipped: n.skipped, todo: n.todo }, { fail: 0, cancelled: 0, skipped: 0, todo: 0 }, `in the guest:\n${skipped.join('\n')}\n(artifacts: ${r.dir})`);
  });
}
