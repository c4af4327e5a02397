// A CPU cgroup of the test's own, capped at a sliver of one core: a machine starved of CPU, made on
// purpose (the program under test is slow to be scheduled, as under a load average of 30 on 2 cores).
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StarvedCgroup {
  procs: string;
  /** Its cpu.stat, whose nr_throttled counts the periods its processes were held back (v1 and v2). */
  stat: string;
}

/**
 * Removes the group: what still runs in it (a starved process may take a whole period to exit) is moved to
 * the parent first, where it can finish, since a group with processes in it cannot be removed (EBUSY).
 */
function removeGroup(dir: string): void {
  for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
    try {
      writeFileSync(join(dir, '..', 'cgroup.procs'), pid);
    } catch {
      // It exited meanwhile.
    }
  }
  rmdirSync(dir);
}

/**
 * A cgroup capped at `permille` of a core (v1's cpu controller or v2's cpu.max), removed by the cleanup
 * pushed onto `cleanups`; or why none can be made. `procs`: write a pid there to move it in (its
 * children, forked later, are born inside). `name` keeps two test files' groups apart.
 */
export function starvedCgroup(name: string, permille: number, cleanups: (() => void)[]): StarvedCgroup | string {
  if (process.getuid?.() !== 0) return 'needs root (a CPU cgroup)';
  const group = `msm-starved-${name}-${process.pid}`;
  const v1 = '/sys/fs/cgroup/cpu';
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  try {
    if (existsSync(join(v1, 'cpu.cfs_quota_us'))) {
      const dir = join(v1, group);
      mkdirSync(dir);
      cleanups.push(() => removeGroup(dir));
      // The longest period (1 s), so that the quota stays above the kernel's least (1 ms).
      writeFileSync(join(dir, 'cpu.cfs_period_us'), '1000000');
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(permille * 1000));
      return { procs: join(dir, 'cgroup.procs'), stat: join(dir, 'cpu.stat') };
    }
    const dir = join(v2, group);
    mkdirSync(dir);
    cleanups.push(() => removeGroup(dir));
    writeFileSync(join(dir, 'cpu.max'), `${permille * 1000} 1000000`);
    return { procs: join(dir, 'cgroup.procs'), stat: join(dir, 'cpu.stat') };
  } catch (e) {
    return `no CPU cgroup can be made here (needs root and the cpu controller): ${(e as Error).message}`;
  }
}
