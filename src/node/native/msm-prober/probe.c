/*
 * The probe of msm-prober: everything that touches a mountpoint happens here, in a probe child (forked
 * for one probe, then gone) or in a worker (a long-lived child probing one mount after another).
 *
 * The path is opened once, as root, without following symlinks; what was opened must be the mount the
 * table names; everything after (the owner, the listing, the capacity) goes through that file or, as the
 * owner, through a second open of the same path that must reach the same file. So root never looks at
 * anything but the mount, whatever a user does to the directories above it.
 *
 * How the owner is become differs. A probe child becomes them for good (setgroups, setgid, setuid), as
 * the original did. A worker switches only its filesystem identity (setfsuid(2), setfsgid(2) and its
 * supplementary groups: the credentials every permission check and NFS's AUTH_SYS use) and switches
 * back to root after each probe. Linux only; elsewhere every probe gets a child.
 */
#define _GNU_SOURCE /* statx, O_PATH, AT_EMPTY_PATH, setfsuid */
#include "prober.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/openat2.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#endif
#ifndef O_PATH
#define O_PATH (O_RDONLY | O_NONBLOCK) /* macOS: no O_PATH; as root, reading a directory is allowed */
#endif

const char *const stage_names[] = { "fork", "stat", "setuid", "opendir", "readdir", "statfs", "mount" };
int openat2_missing;

/* An opened file's identity: enough to tell whether two opens reached the same object. */
struct node {
  mode_t mode;
  uid_t uid;
  gid_t gid;
  dev_t dev;
  ino_t ino;
  int has_mnt_id;
  unsigned long long mnt_id;
};

/* ---- opening without symlinks, and knowing what was opened ---- */

/* The component walk for kernels without openat2(2): from "/", one openat(2) per component with
 * O_NOFOLLOW, intermediate ones as O_PATH. A symlink met on the way (an O_PATH|O_NOFOLLOW open returns
 * the link itself, and the next openat then fails with ENOTDIR) is ELOOP, as RESOLVE_NO_SYMLINKS says. */
static int walk_no_symlinks(const char *path, int flags) {
  char name[NAME_MAX + 1];
  int fd;
  if (path[0] != '/') {
    errno = EINVAL;
    return -1;
  }
  fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  while (fd >= 0) {
    size_t n;
    int next, err;
    struct stat st;
    while (*path == '/') path++;
    n = strcspn(path, "/");
    if (n == 0) { /* "/" itself: reopen it as asked */
      next = openat(fd, ".", flags | O_CLOEXEC);
    } else if (n > NAME_MAX) {
      next = -1;
      errno = ENAMETOOLONG;
    } else if ((n == 1 && path[0] == '.') || (n == 2 && path[0] == '.' && path[1] == '.')) {
      next = -1; /* never in a mount table's path, and ".." would leave the walk */
      errno = EINVAL;
    } else {
      memcpy(name, path, n);
      name[n] = 0;
      path += n;
      while (*path == '/') path++;
      next = openat(fd, name, (*path ? O_PATH : flags) | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0 && errno == ENOTDIR && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) errno = ELOOP;
      if (next >= 0 && *path) { /* an intermediate symlink: refuse it here, not one step later */
        if (fstat(next, &st) == 0 && S_ISLNK(st.st_mode)) {
          close(next);
          next = -1;
          errno = ELOOP;
        }
      }
    }
    err = errno;
    close(fd);
    errno = err;
    if (next < 0 || n == 0 || !*path) return next;
    fd = next;
  }
  return -1;
}

/* Opens an absolute path without following any symlink (ELOOP if there is one): openat2(2) with
 * RESOLVE_NO_SYMLINKS (which implies RESOLVE_NO_MAGICLINKS), or the component walk where openat2 is
 * missing (ENOSYS: kernels before 5.6). Mount table paths never hold a symlink, so one on the way means
 * the path was changed after the table was read.
 * RESOLVE_NO_XDEV does not fit: the path crosses mounts by design, every ancestor mount's and, as its
 * last step, into the mount itself. The mount id check on the result (on_target) is what pins it. */
static int open_no_symlinks(const char *path, int flags) {
#ifdef SYS_openat2
  if (!openat2_missing) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (unsigned long long)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_NO_SYMLINKS;
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return fd;
    openat2_missing = 1;
  }
#endif
  return walk_no_symlinks(path, flags);
}

/* The opened file's identity, with its mount id where statx(2) gives one (Linux 5.8). */
static int node_of(int fd, struct node *n) {
  struct stat st;
  memset(n, 0, sizeof *n);
#ifdef STATX_MNT_ID
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_INO | STATX_MNT_ID, &sx) == 0) {
    n->mode = sx.stx_mode;
    n->uid = sx.stx_uid;
    n->gid = sx.stx_gid;
    n->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    n->ino = sx.stx_ino;
    n->has_mnt_id = (sx.stx_mask & STATX_MNT_ID) != 0;
    n->mnt_id = sx.stx_mnt_id;
    return 0;
  }
  if (errno != ENOSYS) return errno;
#endif
  if (fstat(fd, &st)) return errno;
  n->mode = st.st_mode;
  n->uid = st.st_uid;
  n->gid = st.st_gid;
  n->dev = st.st_dev;
  n->ino = st.st_ino;
  return 0;
}

/* 0 when what was opened is the mount the table named, else ESTALE: a parent renamed or replaced, the
 * mount moved, unmounted or covered since the table was read. The mount id where statx has it, else the
 * device (which a bind mount shares with its source: weaker, but only old kernels need it). */
static int on_target(const struct node *n, const struct request *rq) {
  if (rq->mnt_id >= 0 && n->has_mnt_id) return n->mnt_id == (unsigned long long)rq->mnt_id ? 0 : ESTALE;
  if (rq->has_dev) return n->dev == rq->dev ? 0 : ESTALE;
  return 0;
}

static int same_node(const struct node *a, const struct node *b) {
  return a->dev == b->dev && a->ino == b->ino && a->has_mnt_id == b->has_mnt_id && a->mnt_id == b->mnt_id;
}

/* Entries of an open directory but "." and "..". getdents64(2) into one static buffer on Linux: no
 * allocation per probe in a worker. */
static int count_entries(int dfd, unsigned long long *count) {
#ifdef SYS_getdents64
  static char buf[32768] __attribute__((aligned(8)));
  for (;;) {
    long n = syscall(SYS_getdents64, dfd, buf, sizeof buf);
    if (n < 0) return errno;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      /* struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name */
      unsigned short reclen;
      const char *name = buf + off + 19;
      memcpy(&reclen, buf + off + 16, sizeof reclen);
      if (!(name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))) (*count)++;
      off += reclen;
    }
  }
#else
  int fd = dup(dfd); /* closedir() closes what fdopendir() took; the caller closes dfd */
  DIR *dir = fd < 0 ? NULL : fdopendir(fd);
  struct dirent *de;
  int err = 0;
  if (!dir) return fd < 0 ? errno : (err = errno, close(fd), err);
  for (;;) {
    errno = 0;
    de = readdir(dir);
    if (!de) {
      err = errno;
      break;
    }
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) (*count)++;
  }
  closedir(dir);
  return err;
#endif
}

/* ---- identities ---- */

/* If the prober dies, die too instead of lingering (a probe's answer has no reader then). prctl(2):
 * the setting is cleared by any change of credentials, setfsuid's included, so this runs after each. */
static void death_signal(pid_t prober) {
#ifdef __linux__
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != prober) _exit(1);
#else
  if (getppid() != prober) _exit(1);
#endif
}

/* A user's gid and groups: from the resolver's table (inherited at fork), else through NSS here, in
 * the child, which the prober's deadline covers (and then kept for this process's next probe). */
static int groups_of(uid_t uid, gid_t fallback_gid, gid_t *gid, const gid_t **groups, int *n) {
  const struct ident *id = ident_find(uid);
  if (id && id->state == ID_KNOWN) {
    *gid = id->gid;
    *groups = id->groups;
    *n = id->ngroups;
    return 0;
  }
  if (id && id->state == ID_NO_ENTRY) {
    *gid = fallback_gid;
    *groups = NULL;
    *n = 0;
    return 0;
  }
  struct passwd *pw = getpwuid(uid);
  struct ident *mine = ident_slot(uid);
  int count = 16;
  gid_t *list = NULL;
  if (!pw) {
    if (mine) mine->state = ID_NO_ENTRY;
    *gid = fallback_gid;
    *groups = NULL;
    *n = 0;
    return 0;
  }
  for (;;) {
    gid_t *grown = realloc(list, (size_t)count * sizeof *list);
    if (!grown) {
      free(list);
      return ENOMEM;
    }
    list = grown;
    int want = count;
    if (getgrouplist(pw->pw_name, pw->pw_gid, list, &want) >= 0) {
      count = want;
      break;
    }
    if (want <= count) want = count * 2; /* some NSS modules do not say how many */
    count = want;
  }
  *gid = pw->pw_gid;
  *groups = list;
  *n = count;
  if (mine) {
    free(mine->groups);
    mine->groups = list;
    mine->ngroups = count;
    mine->gid = pw->pw_gid;
    mine->state = ID_KNOWN;
  }
  return 0;
}

/* Become a user for good: supplementary groups, then gid, then uid (the order setuid(2) requires), then
 * check that root cannot be regained. `gid` -1: the user's own. */
static int become(uid_t uid, gid_t gid, gid_t fallback_gid) {
  gid_t own;
  const gid_t *groups;
  int n, err = groups_of(uid, fallback_gid, &own, &groups, &n);
  if (err) return err;
  if (gid == (gid_t)-1) gid = own;
  if (setgroups((size_t)n, groups)) return errno;
  if (setgid(gid)) return errno;
  if (setuid(uid)) return errno;
  if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) return EPERM;
  if (uid != 0 && setuid(0) == 0) return EPERM;
  return 0;
}

#ifdef __linux__
static gid_t *root_groups; /* the worker's own supplementary groups, to come back to */
static int root_ngroups;

/* Take on a user's filesystem identity: supplementary groups first (setgroups needs CAP_SETGID, which
 * setfsuid to a user would not drop: only the file capabilities go, capabilities(7)), then fsgid, fsuid.
 * setfsuid(2) returns the previous value and says nothing of failure: read it back with an invalid id. */
static int fs_become(uid_t uid, gid_t gid, const gid_t *groups, int n) {
  if (setgroups((size_t)n, groups)) return errno;
  setfsgid(gid);
  if ((gid_t)setfsgid((gid_t)-1) != gid) return EPERM;
  setfsuid(uid);
  if ((uid_t)setfsuid((uid_t)-1) != uid) return EPERM;
  return 0;
}

/* Back to root's. A worker that cannot get back must not probe anything else: it exits. */
static void fs_restore(void) {
  setfsuid(0);
  setfsgid(0);
  if ((uid_t)setfsuid((uid_t)-1) != 0 || (gid_t)setfsgid((gid_t)-1) != 0 || setgroups((size_t)root_ngroups, root_groups)) _exit(1);
}
#endif

int workers_possible(void) {
#ifdef __linux__
  return 1;
#else
  return 0;
#endif
}

/* ---- the probe ---- */

#define FAIL(st, e)   \
  do {                \
    a->kind = 'E';    \
    a->stage = (st);  \
    a->err = (e);     \
    goto out;         \
  } while (0)

/* Probes path and fills *a. In a worker (in_worker) the owner is become by filesystem identity only and
 * left again before returning; in a probe child for good. Closes what it opened. */
static void probe(const char *path, const struct request *rq, struct answer *a, int in_worker, pid_t prober) {
  struct node n, seen;
  struct statvfs vf;
  int fd = -1, dfd = -1, err, dropped = 0, switched = 0;
  uid_t me = geteuid();

  memset(a, 0, sizeof *a);
  if (rq->as_user && me == 0) { /* never in a worker (see struct request) */
    if ((err = become(rq->user_uid, rq->user_gid, rq->user_gid))) FAIL(ST_SETUID, err);
    death_signal(prober);
    me = rq->user_uid;
  }

  /* O_PATH: no permission needed on the mountpoint itself, no automount triggered, a FIFO not opened. */
  fd = open_no_symlinks(path, O_PATH);
  if (fd < 0) FAIL(errno == ELOOP ? ST_MOUNT : ST_STAT, errno);
  if ((err = node_of(fd, &n))) FAIL(ST_STAT, err);
  if (S_ISLNK(n.mode)) FAIL(ST_MOUNT, ELOOP);
  if ((err = on_target(&n, rq))) FAIL(ST_MOUNT, err);
  a->mode = n.mode & 07777;
  a->uid = n.uid;
  a->gid = n.gid;
  if (rq->as_owner && me == 0 && n.uid != 0) {
#ifdef __linux__
    if (in_worker) {
      gid_t gid;
      const gid_t *groups;
      int count;
      if ((err = groups_of(n.uid, n.gid, &gid, &groups, &count))) FAIL(ST_SETUID, err);
      switched = 1;
      if ((err = fs_become(n.uid, gid, groups, count))) FAIL(ST_SETUID, err);
    } else
#endif
    if ((err = become(n.uid, (gid_t)-1, n.gid))) FAIL(ST_SETUID, err);
    death_signal(prober);
    me = n.uid;
    dropped = 1;
  }
  /* As the owner (root included, whom the kernel would let through), the seed's rule: the owner's own
   * mode bits must allow reading and searching the directory. A mount of a file, device or FIFO
   * (kubelet subPath volumes, /dev/null masks) has nothing to list, and the rule is about listing. */
  if (S_ISDIR(n.mode) && me == n.uid && (n.mode & (S_IRUSR | S_IXUSR)) != (S_IRUSR | S_IXUSR)) {
    a->kind = 'D';
    goto out;
  }
  if (dropped) {
    /* As the owner, the path walked again, as the seed's opendir(path) did (a parent the owner may not
     * search gives EACCES); it must reach the same file. */
    dfd = open_no_symlinks(path, S_ISDIR(n.mode) ? O_RDONLY | O_DIRECTORY : O_PATH);
    if (dfd < 0) FAIL(errno == ELOOP ? ST_MOUNT : ST_OPENDIR, errno);
    if ((err = node_of(dfd, &seen))) FAIL(ST_OPENDIR, err);
    if (!same_node(&n, &seen)) FAIL(ST_MOUNT, ESTALE);
  } else if (S_ISDIR(n.mode)) {
    dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) FAIL(ST_OPENDIR, errno);
  }
  if (S_ISDIR(n.mode) && (err = count_entries(dfd, &a->entries))) FAIL(ST_READDIR, err);
  /* fstatvfs on the listed directory (or the O_PATH file: fstatfs(2) takes one since Linux 3.12). */
  if (fstatvfs(dfd >= 0 ? dfd : fd, &vf)) FAIL(ST_STATFS, errno);
  a->frsize = vf.f_frsize ? vf.f_frsize : vf.f_bsize;
  a->blocks = vf.f_blocks;
  a->bfree = vf.f_bfree;
  a->bavail = vf.f_bavail;
  a->files = vf.f_files;
  a->ffree = vf.f_ffree;
  a->kind = 'O';
out:
  if (dfd >= 0) close(dfd);
  if (fd >= 0) close(fd);
#ifdef __linux__
  if (switched) {
    fs_restore();
    death_signal(prober);
  }
#else
  (void)switched;
  (void)in_worker;
#endif
}

static void answer(struct answer *a) {
  a->pid = getpid();
  (void)!write(ans_pipe[1], a, sizeof *a);
}

_Noreturn void child_main(const char *path, const struct request *rq, int go_fd, pid_t prober) {
  struct answer a;
  char go;
  close_prober_fds(go_fd);
  signal(SIGCHLD, SIG_DFL);
  death_signal(prober);
  if (read(go_fd, &go, 1) != 1) _exit(1); /* the prober died before it told the client our pid */
  close(go_fd);
  probe(path, rq, &a, 0, prober);
  answer(&a);
  _exit(0);
}

/* Reads exactly len bytes; 0 at EOF or on error (the prober closed our pipe, or died). */
static int read_full(int fd, void *buf, size_t len) {
  for (size_t got = 0; got < len;) {
    ssize_t r = read(fd, (char *)buf + got, len - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return 0;
    got += (size_t)r;
  }
  return 1;
}

_Noreturn void worker_main(int req_fd, pid_t prober) {
  static char path[PATH_MAX + 1];
  struct wire w;
  struct answer a;
  close_prober_fds(req_fd);
  signal(SIGCHLD, SIG_DFL);
  death_signal(prober);
#ifdef __linux__
  root_ngroups = getgroups(0, NULL);
  if (root_ngroups < 0 || (root_ngroups > 0 && !(root_groups = malloc((size_t)root_ngroups * sizeof *root_groups))) ||
      getgroups(root_ngroups, root_groups) != root_ngroups)
    _exit(1);
#endif
  while (read_full(req_fd, &w, sizeof w)) {
    if (w.kind != 'P' || w.path_len == 0 || w.path_len > PATH_MAX || !read_full(req_fd, path, w.path_len)) _exit(1);
    path[w.path_len] = 0;
    if (w.rq.as_user) { /* needs a full switch (see struct request): the prober never sends one here */
      memset(&a, 0, sizeof a);
      a.kind = 'E';
      a.stage = ST_SETUID;
      a.err = EINVAL;
    } else {
      probe(path, &w.rq, &a, 1, prober);
    }
    answer(&a);
  }
  _exit(0);
}
