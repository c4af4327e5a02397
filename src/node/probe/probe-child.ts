// The fallback probe child: `node probe-child.js <hex-path> <as-owner 0|1> <mount-id|-1> <major:minor|->
// <as-user uid:gid|->`,
// one process per probe, used when the C prober is not built. It does what the C child does
// (msm-prober.c), in the same order, and prints one JSON line with the same fields (a RawAnswer), then
// exits: the path is opened once without following symlinks, what was opened must be the mount the table
// names, and everything after goes through that file.
//
// Node has no openat(2): on Linux `/proc/self/fd/N/name` stands for openat(N, name) (the walk through
// the fd's magic link is the kernel's, and only `name` is looked up, with O_NOFOLLOW), and
// `/proc/self/fd/N` reopens the file N holds. Elsewhere each prefix is lstat()ed first, which a racing
// rename can still beat: there the C prober is the probe that holds.
import { closeSync, constants as fs, fstatSync, lstatSync, openSync, readdirSync, readFileSync, statfsSync, statSync, writeSync, type Stats } from 'node:fs';
import { constants, userInfo } from 'node:os';
import type { ProbeStage } from './prober.js';
import type { RawAnswer } from './answer.js';

/** Linux's O_PATH (asm-generic/fcntl.h); Node's fs.constants leaves it out. */
const O_PATH = 0o10000000;
const linux = process.platform === 'linux';

function answer(a: RawAnswer): never {
  writeSync(1, JSON.stringify(a) + '\n');
  process.exit(0);
}

function errnoOf(e: unknown): number {
  const n = (e as NodeJS.ErrnoException).errno;
  return typeof n === 'number' ? Math.abs(n) : constants.errno.EPERM;
}

function fail(stage: ProbeStage, e: unknown): never {
  answer({ kind: 'E', stage, errno: errnoOf(e) });
}

function errnoError(name: keyof typeof constants.errno): Error {
  return Object.assign(new Error(name), { errno: constants.errno[name], code: name });
}

/**
 * Supplementary groups, gid, uid, as the C child: `gid` when given (a FUSE mount's group_id=), else the
 * passwd entry's, else `fallbackGid`. Node has no getpwuid(), so read the entry as the user.
 */
function become(uid: number, fallbackGid: number, fixedGid?: number): void {
  let name: string | undefined;
  let gid = fallbackGid;
  try {
    // os.userInfo() looks up the *effective* uid (uv_os_get_passwd → getpwuid_r(geteuid())): become the
    // owner effectively, read its entry, and come back (the saved set-user-ID is still 0: setuid(2)).
    process.seteuid!(uid);
    const u = userInfo();
    name = u.username;
    gid = fixedGid ?? u.gid;
  } catch {
    name = undefined; // no passwd entry: no supplementary groups, the file's gid
    gid = fixedGid ?? fallbackGid;
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
  if (!ok || regained) throw errnoError('EPERM');
}

/** The path's components as bytes; "." and ".." never appear in a mount table's path. */
function components(path: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path[i] !== 0x2f) continue;
    if (i > start) parts.push(path.subarray(start, i));
    start = i + 1;
  }
  if (path[0] !== 0x2f || parts.some((p) => p.equals(Buffer.from('.')) || p.equals(Buffer.from('..')))) throw errnoError('EINVAL');
  return parts;
}

/** Linux: an fd for `path` reached without following any symlink (ELOOP if one is on the way). */
function openNoSymlinks(path: Buffer, flags: number): number {
  const parts = components(path);
  let fd = openSync('/', O_PATH | fs.O_DIRECTORY);
  if (parts.length === 0) {
    const again = openSync(`/proc/self/fd/${fd}`, flags);
    closeSync(fd);
    return again;
  }
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    let next: number;
    try {
      next = openSync(Buffer.concat([Buffer.from(`/proc/self/fd/${fd}/`), parts[i]!]), (last ? flags : O_PATH) | fs.O_NOFOLLOW);
    } finally {
      closeSync(fd);
    }
    // O_PATH|O_NOFOLLOW opens a symlink itself rather than failing: refuse it here.
    if ((!last || flags & O_PATH) && fstatSync(next).isSymbolicLink()) {
      closeSync(next);
      throw errnoError('ELOOP');
    }
    fd = next;
  }
  return fd;
}

function mountIdOf(fd: number): number | undefined {
  const m = /^mnt_id:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

/** glibc's makedev(3) encoding of a "major:minor" device, as Node's Stats.dev holds it. */
function makedev(device: string): number | undefined {
  const m = /^(\d+):(\d+)$/.exec(device);
  if (!m) return undefined;
  const major = BigInt(m[1]!);
  const minor = BigInt(m[2]!);
  return Number(((major & 0xfffff000n) << 32n) | ((major & 0xfffn) << 8n) | ((minor & 0xffffff00n) << 12n) | (minor & 0xffn));
}

interface Opened {
  fd: number | undefined;
  st: Stats;
  mountId: number | undefined;
  /** What the child reaches the file by from now on: /proc/self/fd/N on Linux, else the path. */
  via: string | Buffer;
}

function open(path: Buffer, flags: number, stage: ProbeStage): Opened {
  if (!linux) {
    let prefix = '';
    for (const part of components(path)) {
      prefix += '/' + part.toString('latin1');
      let st: Stats;
      try {
        st = lstatSync(Buffer.from(prefix, 'latin1'));
      } catch (e) {
        fail(stage, e);
      }
      if (st.isSymbolicLink()) fail('mount', errnoError('ELOOP'));
    }
    try {
      return { fd: undefined, st: statSync(path), mountId: undefined, via: path };
    } catch (e) {
      fail(stage, e);
    }
  }
  let fd: number;
  try {
    fd = openNoSymlinks(path, flags);
  } catch (e) {
    fail(errnoOf(e) === constants.errno.ELOOP ? 'mount' : stage, e);
  }
  try {
    return { fd, st: fstatSync(fd), mountId: mountIdOf(fd), via: `/proc/self/fd/${fd}` };
  } catch (e) {
    fail(stage, e);
  }
}

function main(): void {
  const [hex = '', asOwnerArg = '0', mountIdArg = '-1', device = '-', asUserArg = '-'] = process.argv.slice(2);
  const path = Buffer.from(hex, 'hex');
  const wantId = Number(mountIdArg);
  const wantDev = makedev(device);
  let me = process.geteuid?.() ?? 0;
  // A user's own FUSE mount: become its user before the first call (see msm-prober.c, struct target).
  const asUser = /^(\d+):(\d+)$/.exec(asUserArg);
  if (asUser && me === 0) {
    try {
      become(Number(asUser[1]), Number(asUser[2]), Number(asUser[2]));
    } catch (e) {
      fail('setuid', e);
    }
    me = Number(asUser[1]);
  }

  const first = open(path, O_PATH, 'stat');
  const st = first.st;
  if (wantId >= 0 && first.mountId !== undefined ? first.mountId !== wantId : wantDev !== undefined && st.dev !== wantDev) {
    fail('mount', errnoError('ESTALE'));
  }
  const mode = st.mode & 0o7777;
  let file = first;
  const drop = asOwnerArg === '1' && me === 0 && st.uid !== 0;
  if (drop) {
    try {
      become(st.uid, st.gid);
    } catch (e) {
      fail('setuid', e);
    }
    me = st.uid;
  }
  if (st.isDirectory() && me === st.uid && (st.mode & 0o500) !== 0o500) answer({ kind: 'D', mode, uid: st.uid });
  if (drop) {
    // Dropped: walk the path again as the owner (a parent the owner may not search gives EACCES), and
    // it must reach the same file.
    file = open(path, st.isDirectory() ? fs.O_RDONLY | fs.O_DIRECTORY : O_PATH, 'opendir');
    if (file.st.dev !== st.dev || file.st.ino !== st.ino || file.mountId !== first.mountId) fail('mount', errnoError('ESTALE'));
  }
  let entries = 0;
  if (st.isDirectory()) {
    // readdirSync without withFileTypes: a Dir/Dirent over a Buffer path throws a TypeError for entries
    // of unknown type (DT_UNKNOWN, common on FUSE and NFS) and lstat()s each one (nodejs/node#47879).
    try {
      entries = readdirSync(file.via).length; // libuv leaves out "." and ".."
    } catch (e) {
      // readdirSync opens and reads in one call: the errors open(2) gives are the opendir stage's.
      const code = (e as NodeJS.ErrnoException).code;
      fail(code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM' ? 'opendir' : 'readdir', e);
    }
  }
  // statfs through the opened file: answers for its filesystem without opening it for I/O (a FIFO).
  let vf;
  try {
    vf = statfsSync(file.via);
  } catch (e) {
    fail('statfs', e);
  }
  answer({ kind: 'O', entries, mode, uid: st.uid, gid: st.gid, frsize: vf.bsize, blocks: vf.blocks, bfree: vf.bfree, bavail: vf.bavail, files: vf.files, ffree: vf.ffree });
}

main();
