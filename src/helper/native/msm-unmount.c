/*
 * msm-unmount: unmounts one mount that the helper has identified by its mount id, never "whatever the path
 * leads to now". The helper runs it as a child under a timeout (umount can hang: a path walk through a
 * dead NFS server) and SIGKILLs it at the deadline.
 *
 *   msm-unmount [--abort-fuse] [--force] [--detach-if-busy] [--verify-only] [--busy-wait-ms=N]
 *               MOUNT-ID MAJOR:MINOR HEX-PATH
 *
 * HEX-PATH is the mountpoint's bytes in hex (paths may hold any byte but NUL, as in msm-prober's protocol).
 *
 * Why not umount2(PATH): a user who owns a directory on the way (/home/bob/mnt/dead with bob owning
 * /home/bob/mnt) can swap it for a symlink or another directory between the helper reading mountinfo
 * and the umount, and root would unmount whatever the new path leads to. So:
 *
 *  1. The mountpoint's parent directory is opened without following any symlink (openat2(2)
 *     RESOLVE_NO_SYMLINKS; an O_PATH|O_NOFOLLOW walk of each component on kernels before 5.6), and from
 *     it the mountpoint itself. The parent's descriptor pins that directory from here on: renaming or
 *     replacing it changes nothing for us.
 *  2. The mountpoint's mount id and device are checked against MOUNT-ID and MAJOR:MINOR (statx(2): the
 *     VFS fills stx_mnt_id and STATX_ATTR_MOUNT_ROOT itself; AT_STATX_DONT_SYNC and an empty request mask
 *     keep FUSE and NFS from being asked anything: fuse_getattr() answers a mask of 0 without a request
 *     even for a process its allow_other rules exclude).
 *  3. --abort-fuse: "1" is written to /sys/fs/fuse/connections/N/abort, N the FUSE connection's device
 *     number (Documentation/filesystems/fuse.rst, "Aborting a filesystem connection": "the most powerful
 *     method, always works"). Every waiting request ends with an error, which frees the blocked readers.
 *  4. --force: umount2(2) MNT_FORCE of /proc/self/fd/N, our descriptor of the identified mount: the magic
 *     link leads to that very mount, and umount_begin() runs (NFS/CIFS abort their in-flight RPCs; FUSE
 *     aborts its connection), while our reference to the mount makes the unmount itself fail with EBUSY
 *     (do_umount() counts references: any umount but MNT_DETACH through a descriptor fails so; measured).
 *  5. The unmount by name, relative to the pinned parent (fchdir, UMOUNT_NOFOLLOW), retried while the
 *     mount is busy for --busy-wait-ms: a user could unmount her own mount stacked on another one (a FUSE
 *     mount on a tmpfs's root she may write to) between our check and the call, and a plain umount2 of the
 *     name would then unmount the mount beneath. There is no unmount by descriptor (all but MNT_DETACH
 *     fail through one, above), so each unmount is two MNT_EXPIRE calls: the first marks what the name
 *     leads to (EAGAIN), the second unmounts it only if still marked, and any use of a mount clears its
 *     mark (mntput()). Before each call the mount table must show the identified mount (id, device,
 *     parent) with nothing on its root; /proc/self/mountinfo is read for that, as reading it takes no
 *     reference on a mount (an open() of the name would clear the mark). A mount reached by a call made
 *     just after the identified one left is therefore only marked, and the next check stops: "done left".
 *     What remains: a mount already marked for expiry by someone else (the kernel marks its own NFS, CIFS
 *     and AFS submounts, and unmounts them when unused anyway); and, as mount ids and anonymous devices
 *     are reused, a mount made with the identified one's id, device and parent and gone again within the
 *     microseconds between one check and the next call, after a call reached the mount beneath it.
 *  6. --detach-if-busy: a mount still busy is detached (MNT_DETACH) through a descriptor opened and
 *     verified again, so exactly that mount: it leaves the tree, and the processes still using it keep a
 *     detached copy (umount(8), "--lazy").
 *
 * Output, one line each on stdout: "step TEXT" as it goes, then "done unmounted|detached|verified|left"
 * (left: someone else unmounted it meanwhile), or "fail ERRNO-NAME TEXT". Exit status 0 done, 1 fail, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

static const char *errname(int err) {
  const char *name = strerrorname_np(err);
  return name ? name : "EIO";
}

static int fail(const char *code, const char *fmt, const char *arg) {
  printf("fail %s ", code);
  printf(fmt, arg);
  printf("\n");
  return 1;
}

static int fail_errno(int err, const char *what) {
  if (err == ELOOP) printf("fail ELOOP %s\n", what); /* strerror's "Too many levels of symbolic links" misleads */
  else printf("fail %s %s: %s\n", errname(err), what, strerror(err));
  return 1;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes HEX into buf (NUL-terminated); 0 on success. */
static int unhex(const char *hex, char *buf, size_t size) {
  size_t n = strlen(hex);
  if (n % 2 != 0 || n / 2 + 1 > size) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return -1;
    buf[i] = (char)(hi << 4 | lo);
  }
  buf[n / 2] = '\0';
  return 0;
}

/* Opens `path` (from dirfd) as O_PATH, following no symlink on the way or at the end: ELOOP if there is one.
 * `dir`: it must be a directory (the mountpoint's parent; a mountpoint may be a bind-mounted file). */
static int open_nofollow(int dirfd, const char *path, int dir, int beneath) {
  int flags = O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0);
  /* Without O_NOFOLLOW: with it, openat2 would hand back a descriptor of a trailing symlink itself. */
  struct open_how how = { .flags = (unsigned)flags, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  if (beneath) how.resolve |= RESOLVE_BENEATH;
  int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) return fd;
  /* Before Linux 5.6: walk component by component. O_PATH|O_NOFOLLOW opens a symlink itself instead of
   * failing (open(2)), so each step is checked for one with statx, which asks no filesystem here. */
  char copy[PATH_MAX];
  if (strlen(path) >= sizeof copy) return errno = ENAMETOOLONG, -1;
  strcpy(copy, path);
  int cur = *copy == '/' ? open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) : dup(dirfd);
  for (char *save = NULL, *part = strtok_r(copy, "/", &save); cur >= 0 && part; part = strtok_r(NULL, "/", &save)) {
    int next = openat(cur, part, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    close(cur);
    if (next < 0) return errno = err, -1;
    struct statx stx;
    if (statx(next, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_TYPE, &stx) != 0) {
      err = errno;
      close(next);
      return errno = err, -1;
    }
    if (S_ISLNK(stx.stx_mode)) {
      close(next);
      return errno = ELOOP, -1;
    }
    cur = next;
  }
  if (cur >= 0 && dir) {
    struct statx stx;
    if (statx(cur, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE, &stx) == 0 && !S_ISDIR(stx.stx_mode)) {
      close(cur);
      return errno = ENOTDIR, -1;
    }
  }
  return cur;
}

/* The mount id of an open descriptor: statx, or /proc/self/fdinfo's mnt_id: line before Linux 5.8. */
static long long mount_id_of(int fd, struct statx *stx) {
  if (stx->stx_mask & STATX_MNT_ID) return (long long)stx->stx_mnt_id;
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen(path, "re");
  long long id = -1;
  while (f && fgets(line, sizeof line, f)) {
    if (sscanf(line, "mnt_id: %lld", &id) == 1) break;
  }
  if (f) fclose(f);
  return id;
}

/* Checks that `fd` is the root of mount `want_id` on device major:minor; else says why (fail) and returns 1. */
static int verify(int fd, long long want_id, unsigned want_major, unsigned want_minor) {
  struct statx stx;
  memset(&stx, 0, sizeof stx);
  if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, 0, &stx) != 0) return fail_errno(errno, "cannot read the mountpoint's mount id");
  long long id = mount_id_of(fd, &stx);
  if (id != want_id) {
    char got[32];
    snprintf(got, sizeof got, "%lld", id);
    return fail("EXDEV", "the path now leads to mount %s, not the one to unmount: refusing", got);
  }
  if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
    return fail("EXDEV", "the path leads into the mount, not to its root: %s", "refusing");
  if (stx.stx_dev_major != want_major || stx.stx_dev_minor != want_minor) {
    char got[32];
    snprintf(got, sizeof got, "%u:%u", stx.stx_dev_major, stx.stx_dev_minor);
    return fail("EXDEV", "the mount's device is %s, not the one to unmount: refusing", got);
  }
  return 0;
}

/* The identified mount as /proc/self/mountinfo shows it: id, device and parent (-1 until first read). */
struct mount_row {
  long long id, parent;
  unsigned major, minor;
};

enum there { THERE, GONE, COVERED, UNREADABLE };

/*
 * Whether the identified mount is still in the mount table, with nothing mounted on its root, read from
 * /proc/self/mountinfo (reading it takes no reference on any mount, so it leaves an expiry mark in place;
 * a stat() or open() of the name would clear it). A line with the same id but another device or parent is
 * another mount that got the freed id. The first call fills in `m->parent`.
 */
static enum there still_there(struct mount_row *m) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return UNREADABLE;
  char *line = NULL, *own_point = NULL;
  size_t cap = 0, n_children = 0;
  char **children = NULL;
  enum there result = GONE;
  while (getline(&line, &cap, f) > 0) {
    long long id, parent;
    unsigned major, minor;
    int at = 0;
    /* ID PARENT MAJOR:MINOR ROOT MOUNTPOINT ...: the mountpoint is field 5, with its spaces as \040. */
    if (sscanf(line, "%lld %lld %u:%u %*s %n", &id, &parent, &major, &minor, &at) != 4 || at == 0) continue;
    char *point = line + at;
    point[strcspn(point, " \n")] = '\0';
    if (id == m->id && major == m->major && minor == m->minor && (m->parent < 0 || parent == m->parent)) {
      m->parent = parent;
      own_point = strdup(point);
      result = THERE;
    } else if (parent == m->id && id != m->id) {
      char **more = realloc(children, (n_children + 1) * sizeof *children);
      if (more) (children = more)[n_children++] = strdup(point);
    }
  }
  for (size_t i = 0; i < n_children; i++) {
    if (result == THERE && own_point && children[i] && strcmp(children[i], own_point) == 0) result = COVERED;
    free(children[i]);
  }
  free(children);
  free(own_point);
  free(line);
  fclose(f);
  return result;
}

/* The end of an unmount the mount table overtook: it left (someone else unmounted it), or was covered. */
static int stop(enum there there) {
  if (there == GONE) {
    printf("step the mount left the mount table during the unmount (someone else unmounted it): stopped, nothing else unmounted\n");
    return printf("done left\n"), 0;
  }
  if (there == COVERED) return fail("EXDEV", "another mount was mounted on it during the unmount: stopped, %s", "nothing unmounted");
  return fail("EIO", "cannot read %s", "/proc/self/mountinfo");
}

/* A failed call: the mount left (or was covered) meanwhile, or a real failure of `what`. */
static int left_or_fail(struct mount_row *m, int err, const char *what) {
  enum there there = still_there(m);
  return there == THERE ? fail_errno(err, what) : stop(there);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
  /* Line-buffered: a child killed at its deadline has still told the helper how far it got. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  int abort_fuse = 0, force = 0, detach_if_busy = 0, verify_only = 0;
  long busy_wait_ms = 1500;
  int i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (strcmp(argv[i], "--abort-fuse") == 0) abort_fuse = 1;
    else if (strcmp(argv[i], "--force") == 0) force = 1;
    else if (strcmp(argv[i], "--detach-if-busy") == 0) detach_if_busy = 1;
    else if (strcmp(argv[i], "--verify-only") == 0) verify_only = 1;
    else if (strncmp(argv[i], "--busy-wait-ms=", 15) == 0) busy_wait_ms = strtol(argv[i] + 15, NULL, 10);
    else return fprintf(stderr, "msm-unmount: unknown option %s\n", argv[i]), 2;
  }
  long long want_id;
  unsigned want_major, want_minor;
  char path[PATH_MAX];
  if (argc - i != 3 || sscanf(argv[i], "%lld", &want_id) != 1 || sscanf(argv[i + 1], "%u:%u", &want_major, &want_minor) != 2 ||
      unhex(argv[i + 2], path, sizeof path) != 0) {
    fprintf(stderr, "usage: msm-unmount [--abort-fuse] [--force] [--detach-if-busy] [--verify-only] [--busy-wait-ms=N] MOUNT-ID MAJOR:MINOR HEX-PATH\n");
    return 2;
  }
  /* Mountinfo paths are absolute and canonical: anything else did not come from it. */
  if (path[0] != '/' || strcmp(path, "/") == 0 || strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") ||
      (strlen(path) >= 2 && strcmp(path + strlen(path) - 2, "/.") == 0) || (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0) ||
      path[strlen(path) - 1] == '/')
    return fail("EINVAL", "not a canonical mountpoint path other than /: %s", "refusing");

  char *slash = strrchr(path, '/');
  const char *name = slash + 1;
  char parent[PATH_MAX];
  memcpy(parent, path, (size_t)(slash - path));
  parent[slash - path] = '\0';
  if (parent[0] == '\0') strcpy(parent, "/");

  int dirfd = open_nofollow(AT_FDCWD, parent, 1, 0);
  if (dirfd < 0) return fail_errno(errno, errno == ELOOP ? "a directory on the path to the mountpoint is a symlink: refusing" : "cannot open the mountpoint's directory");
  int fd = open_nofollow(dirfd, name, 0, 1);
  if (fd < 0) return fail_errno(errno, errno == ELOOP ? "the mountpoint is a symlink: refusing" : "cannot open the mountpoint");

  if (verify(fd, want_id, want_major, want_minor) != 0) return 1;
  struct mount_row mount = { .id = want_id, .major = want_major, .minor = want_minor, .parent = -1 };
  if (still_there(&mount) != THERE) return fail("ESTALE", "the mount is not in %s: refusing", "/proc/self/mountinfo");
  printf("step verified mount %lld\n", want_id);

  if (abort_fuse) {
    /* fusectl names a connection by the superblock's dev_t (fs/fuse/control.c: "%u", fc->dev). */
    char ctl[96];
    snprintf(ctl, sizeof ctl, "/sys/fs/fuse/connections/%u/abort", (want_major << 20) | want_minor);
    int afd = open(ctl, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (afd >= 0 && write(afd, "1", 1) == 1) printf("step aborted FUSE connection %u\n", (want_major << 20) | want_minor);
    else printf("step could not abort through %s (%s): MNT_FORCE aborts the connection instead\n", ctl, strerror(errno));
    if (afd >= 0) close(afd);
  }
  if (verify_only) return printf("done verified\n"), 0;

  /* From here the name is used only while the mount table shows the identified mount still there with
   * nothing on it (still_there), and each unmount by name is two MNT_EXPIRE calls with that check between
   * them: the first marks what the name leads to, the second unmounts it only if it is still marked, and
   * the kernel clears the mark on every use of the mount (mntput()). So if the mount leaves between a
   * check and a call, that call only marks the mount the name then leads to, and the next check stops. */
  if (force) {
    /* Through our descriptor: umount_begin() (NFS/CIFS abort their RPCs, FUSE its connection) runs on the
     * identified mount's superblock, and our reference makes the unmount itself fail with EBUSY. */
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    if (umount2(self, MNT_FORCE) == 0) return printf("done unmounted\n"), 0;
    if (errno == EINVAL) return left_or_fail(&mount, errno, "umount2(MNT_FORCE)");
    if (errno != EBUSY) return fail_errno(errno, "umount2(MNT_FORCE)");
    printf("step MNT_FORCE: requests aborted\n");
  }
  /* Our descriptor of the mount would keep it busy (see above); the parent's pins the place. */
  close(fd);
  if (fchdir(dirfd) != 0) return fail_errno(errno, "cannot enter the mountpoint's directory");

  long long deadline = now_ms() + busy_wait_ms;
  int said = 0, marked = 0;
  for (;;) {
    enum there there = still_there(&mount);
    if (there != THERE) return stop(there);
    if (umount2(name, MNT_EXPIRE | UMOUNT_NOFOLLOW) == 0) return printf("done unmounted\n"), 0;
    int err = errno;
    if (err == EAGAIN && !marked) {
      marked = 1; /* marked now: the next call unmounts it, unless something used it in between */
      continue;
    }
    marked = 0;
    if (err != EBUSY && err != EAGAIN) return left_or_fail(&mount, err, "umount2");
    if (now_ms() >= deadline) break;
    if (!said++) printf("step busy: retrying for %ld ms\n", busy_wait_ms);
    struct timespec pause = { 0, 20 * 1000 * 1000 };
    nanosleep(&pause, NULL);
  }
  if (!detach_if_busy) return fail("EBUSY", "the mount is still in use after %s", "the retries");
  /* MNT_DETACH ignores references, so it can go through a descriptor: the one mount it names, whatever
   * the name leads to by now. */
  int again = open_nofollow(dirfd, name, 0, 1);
  if (again < 0) return left_or_fail(&mount, errno, "cannot open the mountpoint again");
  enum there there = still_there(&mount);
  if (there != THERE) return stop(there);
  if (verify(again, want_id, want_major, want_minor) != 0) return 1;
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", again);
  if (umount2(self, MNT_DETACH) == 0) return printf("done detached\n"), 0;
  return left_or_fail(&mount, errno, "umount2(MNT_DETACH)");
}

#else
int main(void) {
  printf("fail ENOSYS unmounting by mount id is only implemented for Linux\n");
  return 1;
}
#endif
