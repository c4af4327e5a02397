// The helper's systemd unit (build/service/, as `make install` and the .deb install it) under the lab
// guest's own systemd, PID 1, with Debian's autofs.service: an idle automount still expires while the
// service sweeps every second. The unit runs this checkout's build (ExecStart pointed at /lab/repo, the
// rest of the unit as shipped). The systemd-nspawn container of test/build/systemd-live cannot show this
// on a kernel without autofs; the guest's kernel has it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { skipOrFail, kernelLacks } from '../support/namespace.js';
import { autofsUnavailable, readMountTable, waitFor } from '../support/automount.js';
import { scaled } from '../support/slowdown.js';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const UNIT = 'mount-status-monitor';
const skip =
  skipOrFail(existsSync('/run/systemd/system') && process.getuid?.() === 0 ? undefined : 'needs root under systemd as init (the lab guest: test/support/lab.ts)') ||
  kernelLacks(autofsUnavailable());
const POINT = '/srv/msm-auto';

const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });
const sweepLines = () => sh(`journalctl -u ${UNIT} -o cat --no-pager`).split('\n').filter((l) => /^Checked \d+ mounts? in/.test(l)).length;

after(() => {
  spawnSync('systemctl', ['stop', `${UNIT}.service`, 'autofs.service']);
  rmSync(`/etc/systemd/system/${UNIT}.service`, { force: true });
  for (const f of ['/etc/auto.master.d/msm.autofs', '/etc/auto.msm', '/etc/mount-status-monitor.conf']) rmSync(f, { force: true });
  spawnSync('systemctl', ['daemon-reload']);
});

test("an idle automount (Debian's autofs.service) expires while the helper's unit sweeps every second", { skip, timeout: scaled(240_000) }, async () => {
  const unit = readFileSync(`${REPO}build/service/${UNIT}.service`, 'utf8').replace(/^ExecStart=.*$/m, `ExecStart=${REPO}bin/mountstatus.js daemon`);
  // The shebang's `env node` finds the lab's Node on PATH.
  writeFileSync(`/etc/systemd/system/${UNIT}.service`, unit.replace('[Service]\n', `[Service]\nEnvironment=PATH=${process.env.PATH}\n`));
  writeFileSync('/etc/mount-status-monitor.conf', `${readFileSync(`${REPO}build/service/mount-status-monitor.conf`, 'utf8').replace(/^interval = .*$/m, 'interval = 1')}`);
  mkdirSync('/etc/auto.master.d', { recursive: true });
  writeFileSync('/etc/auto.master.d/msm.autofs', `${POINT} /etc/auto.msm --timeout=3\n`);
  writeFileSync('/etc/auto.msm', 'idle -fstype=tmpfs,size=1m :tmpfs\n');
  sh(`systemctl daemon-reload && systemctl restart autofs.service && systemctl start ${UNIT}.service`);
  await waitFor('the first sweep in the journal', () => sweepLines() > 0, 60_000, 500);
  const mounted = () => readMountTable().some((e) => e.mountpoint === `${POINT}/idle` && e.fstype === 'tmpfs');
  // Triggered by a process outside the automount daemon's process group (autofs.rst).
  sh(`ls ${POINT}/idle >/dev/null`);
  assert.ok(mounted(), 'the lookup mounted it');
  await waitFor('the status to show it idle', () => {
    const r = spawnSync(`${REPO}bin/mountstatus.js`, ['status', '--json'], { encoding: 'utf8' });
    const report = JSON.parse(r.stdout || '{"mounts":[]}') as { mounts: { mountpoint: string; state: string }[] };
    return report.mounts.some((m) => m.mountpoint === `${POINT}/idle` && m.state === 'idle');
  }, 60_000, 1000);
  const from = sweepLines();
  const started = Date.now();
  await waitFor('the idle automount to expire', () => !mounted(), 60_000, 250);
  const sweeps = sweepLines() - from;
  console.log(`# automount expired ${Date.now() - started} ms after it was seen idle, over ${sweeps} sweeps of the service`);
  assert.ok(sweeps >= 2, `the service swept while it expired (${sweeps})`);
  assert.equal(sh(`systemctl is-active ${UNIT}.service`).trim(), 'active');
});
