// The fallback probe child: `node probe-child.js <hex-path> <as-owner 0|1>`, one process per probe,
// used when the C fork server is not built. It does what the C child does (msm-prober.c), in the same
// order, and prints one JSON line with the same fields (a RawAnswer), then exits.
import { readdirSync, statfsSync, statSync, writeSync, type Stats } from 'node:fs';
import { constants, userInfo } from 'node:os';
import type { ProbeStage } from './prober.js';
import type { RawAnswer } from './answer.js';

function answer(a: RawAnswer): never {
  writeSync(1, JSON.stringify(a) + '\n');
  process.exit(0);
}

function fail(stage: ProbeStage, e: unknown): never {
  const n = (e as NodeJS.ErrnoException).errno;
  answer({ kind: 'E', stage, errno: typeof n === 'number' ? Math.abs(n) : constants.errno.EPERM });
}

/** Supplementary groups, gid, uid, as the C child; Node has no getpwuid(), so read the entry as the owner. */
function dropTo(uid: number, fallbackGid: number): void {
  let name: string | undefined;
  let gid = fallbackGid;
  try {
    // os.userInfo() looks up the *effective* uid (uv_os_get_passwd → getpwuid_r(geteuid())): become the
    // owner effectively, read its entry, and come back (the saved set-user-ID is still 0: setuid(2)).
    process.seteuid!(uid);
    const u = userInfo();
    name = u.username;
    gid = u.gid;
  } catch {
    name = undefined; // no passwd entry: no supplementary groups, the file's gid
  } finally {
    process.seteuid!(0);
  }
  // process.initgroups(3) exists on POSIX Node but is missing from @types/node 20.
  const initgroups = (process as { initgroups?: (user: string, extraGroup: number) => void }).initgroups;
  if (name !== undefined && initgroups) initgroups(name, gid);
  else process.setgroups!([]);
  process.setgid!(gid);
  process.setuid!(uid);
  const ok = process.getuid!() === uid && process.geteuid!() === uid && process.getgid!() === gid && process.getegid!() === gid;
  let regained = false;
  if (uid !== 0) {
    try {
      process.setuid!(0);
      regained = true;
    } catch {
      // expected: root cannot be regained
    }
  }
  if (!ok || regained) throw Object.assign(new Error('credentials did not drop'), { errno: constants.errno.EPERM });
}

function main(): void {
  const [hex = '', asOwnerArg = '0'] = process.argv.slice(2);
  const path = Buffer.from(hex, 'hex');
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    fail('stat', e);
  }
  const mode = st.mode & 0o7777;
  if (asOwnerArg === '1' && process.geteuid?.() === 0) {
    try {
      dropTo(st.uid, st.gid);
    } catch (e) {
      fail('setuid', e);
    }
  }
  // A mount of a file, device or FIFO: nothing to list, and the mode rule is about listing a directory.
  // statfs by path answers for its filesystem without opening it (opening a FIFO would block).
  if (!st.isDirectory()) capacity(path, 0, mode, st);
  if (process.geteuid?.() === st.uid && (st.mode & 0o500) !== 0o500) answer({ kind: 'D', mode, uid: st.uid });
  // readdirSync without withFileTypes: a Dir/Dirent over a Buffer path throws a TypeError for entries
  // of unknown type (DT_UNKNOWN, common on FUSE and NFS) and lstat()s each one (nodejs/node#47879).
  let entries = 0;
  try {
    entries = readdirSync(path).length; // libuv leaves out "." and ".."
  } catch (e) {
    // readdirSync opens and reads in one call: the errors open(2) gives are the opendir stage's.
    const code = (e as NodeJS.ErrnoException).code;
    fail(code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM' ? 'opendir' : 'readdir', e);
  }
  capacity(path, entries, mode, st);
}

function capacity(path: Buffer, entries: number, mode: number, st: Stats): never {
  let vf;
  try {
    vf = statfsSync(path);
  } catch (e) {
    fail('statfs', e);
  }
  answer({ kind: 'O', entries, mode, uid: st.uid, gid: st.gid, frsize: vf.bsize, blocks: vf.blocks, bfree: vf.bfree, bavail: vf.bavail, files: vf.files, ffree: vf.ffree });
}

main();
