// Runs the calling test file in a private mount namespace, so the mounts it makes never reach the host
// and vanish with the namespace. Call at the top of an integration test file, before any test():
//
//   const ns = privateMountNamespace(import.meta.url);
//
// The file is re-executed under `unshare -m --propagation private` with the same node flags, environment
// and inherited stdio, so node:test's runner reads the child's report as if it were the file itself.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MARK = 'MSM_TEST_PRIVATE_NS';

export interface NamespaceInfo {
  /** True when this process is root inside a private mount namespace and may mount freely. */
  canMount: boolean;
  /** Why mounting is not possible, for the skip message. */
  reason?: string;
}

/**
 * Re-executes this test file inside a private mount namespace (root only). In the parent it never
 * returns: it exits with the child's status. In the child (or when not root) it returns what is possible.
 */
export function privateMountNamespace(fileUrl: string): NamespaceInfo {
  if (process.env[MARK] === 'inside') {
    return { canMount: true };
  }
  if (process.getuid?.() !== 0) {
    return { canMount: false, reason: 'needs root (mounts in a private mount namespace)' };
  }
  const file = fileURLToPath(fileUrl);
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', process.execPath, ...process.execArgv, file], {
    stdio: 'inherit',
    env: { ...process.env, [MARK]: 'inside' },
  });
  if (r.error) {
    return { canMount: false, reason: `unshare failed: ${r.error.message}` };
  }
  process.exit(r.status ?? 1);
}

/**
 * Under CI every test that needs root, FUSE, autofs, syslog, D-Bus or Chromium must run, never skip:
 * what .ci/run can install, it does. kernelLacks() is the one exception.
 */
export function skipOrFail(reason: string | undefined): string | false {
  if (reason === undefined) return false;
  if (process.env.CI) throw new Error(`required under CI but not possible here: ${reason}`);
  return reason;
}

/**
 * A skip for a kernel feature the machine was built without (autofs here): nothing .ci/run installs can
 * bring it, so CI skips too, and says so on stderr where the run's log shows it.
 */
export function kernelLacks(reason: string | undefined): string | false {
  if (reason === undefined) return false;
  console.error(`# SKIPPED, kernel: ${reason}`);
  return `kernel: ${reason}`;
}
