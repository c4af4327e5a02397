// A real `mountstatus daemon` for the recovery tests: its socket in a fresh 0755 directory, a config file
// with the given lines, and its mount namespace compared with `referencePid`'s (default: this test
// process's, whose private namespace is the host's as far as the test goes; undefined: PID 1's, the
// daemon's own default).
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess } from '../cli/cli-harness.js';

export interface RecoveryDaemon {
  socket: string;
  daemon: DaemonProcess;
}

export async function startRecoveryDaemon(options: {
  config?: string[];
  args: string[];
  referencePid?: number | undefined;
  cleanups: (() => void | Promise<void>)[];
  /** How long its first sweep may take to be logged (default 15 s; the lab's emulated guest needs more). */
  startTimeoutMs?: number;
}): Promise<RecoveryDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'msm-recovery-run-'));
  chmodSync(dir, 0o755);
  const socket = join(dir, 'run', 'helper.sock');
  const conf = join(dir, 'helper.conf');
  writeFileSync(conf, (options.config ?? []).map((l) => `${l}\n`).join(''));
  const reference = 'referencePid' in options ? options.referencePid : process.pid;
  // The daemon inherits this process's environment when spawned.
  if (reference !== undefined) process.env.MSM_HOST_NAMESPACE_PID = String(reference);
  else delete process.env.MSM_HOST_NAMESPACE_PID;
  const daemon = new DaemonProcess(['--config', conf, ...options.args, '--socket', socket, '--no-syslog']);
  options.cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked \d+ mounts in/, options.startTimeoutMs);
  return { socket, daemon };
}
