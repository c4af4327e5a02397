// An unprivileged user for tests that probe a mount as its owner: `msm-test`, with a supplementary group
// `msm-test-sup` (so a test can tell that initgroups(3) ran). Created with useradd/groupadd when missing
// (needs root; CI runs as root on a throwaway machine).
import { spawnSync } from 'node:child_process';

export const TEST_USER = 'msm-test';
export const TEST_SUPPLEMENTARY_GROUP = 'msm-test-sup';

export interface TestUser {
  uid: number;
  gid: number;
  name: string;
  /** A group the user is in only as a supplementary member (not its primary group). */
  supplementaryGid: number;
}

function run(cmd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() || (r.error?.message ?? '') };
}

function getentId(db: 'passwd' | 'group', name: string, field: number): number | undefined {
  const r = run('getent', [db, name]);
  const v = r.ok ? r.out.split(':')[field] : undefined;
  return v === undefined ? undefined : Number(v);
}

/** Returns the test user, creating it (and its supplementary group) first if needed. Throws if it can't. */
export function ensureTestUser(): TestUser {
  if (getentId('group', TEST_SUPPLEMENTARY_GROUP, 2) === undefined) {
    // -f: succeed if another test created it meanwhile
    const r = run('groupadd', ['-f', TEST_SUPPLEMENTARY_GROUP]);
    if (!r.ok) throw new Error(`groupadd ${TEST_SUPPLEMENTARY_GROUP} failed (run tests as root): ${r.err}`);
  }
  if (getentId('passwd', TEST_USER, 2) === undefined) {
    const r = run('useradd', ['--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', '--groups', TEST_SUPPLEMENTARY_GROUP, TEST_USER]);
    if (!r.ok && getentId('passwd', TEST_USER, 2) === undefined) throw new Error(`useradd ${TEST_USER} failed (run tests as root): ${r.err}`);
  }
  const groups = run('id', ['-Gn', TEST_USER]).out.split(/\s+/);
  if (!groups.includes(TEST_SUPPLEMENTARY_GROUP)) {
    const r = run('usermod', ['--append', '--groups', TEST_SUPPLEMENTARY_GROUP, TEST_USER]);
    if (!r.ok) throw new Error(`usermod -aG ${TEST_SUPPLEMENTARY_GROUP} ${TEST_USER} failed: ${r.err}`);
  }
  const uid = getentId('passwd', TEST_USER, 2);
  const gid = getentId('passwd', TEST_USER, 3);
  const supplementaryGid = getentId('group', TEST_SUPPLEMENTARY_GROUP, 2);
  if (uid === undefined || gid === undefined || supplementaryGid === undefined) throw new Error(`${TEST_USER} not found after creating it`);
  return { uid, gid, name: TEST_USER, supplementaryGid };
}

/** A second unprivileged user, for tests where what one user does must not reach another. */
export const OTHER_TEST_USER = 'msm-ipc-other';

export function ensureOtherTestUser(): { uid: number; gid: number; name: string } {
  if (getentId('passwd', OTHER_TEST_USER, 2) === undefined) {
    const r = run('useradd', ['--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', OTHER_TEST_USER]);
    if (!r.ok && getentId('passwd', OTHER_TEST_USER, 2) === undefined) throw new Error(`useradd ${OTHER_TEST_USER} failed (run tests as root): ${r.err}`);
  }
  const uid = getentId('passwd', OTHER_TEST_USER, 2);
  const gid = getentId('passwd', OTHER_TEST_USER, 3);
  if (uid === undefined || gid === undefined) throw new Error(`${OTHER_TEST_USER} not found after creating it`);
  return { uid, gid, name: OTHER_TEST_USER };
}

export interface User {
  uid: number;
  gid: number;
}

/** `argv` run as `user`, with no supplementary groups (setpriv(1)), as an attacker's process would be. */
export function asUser(user: User, argv: string[]): string[] {
  return ['setpriv', '--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', ...argv];
}
