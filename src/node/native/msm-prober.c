/*
 * msm-prober: the probe fork server of Mount Status Monitor.
 *
 * The Node helper spawns this once and writes requests on its stdin; for each request it fork()s a child
 * that opens the mountpoint (as root, following no symlink), checks that it opened the mount the table
 * names, drops to the owner, lists the directory and reads statvfs. Forking from this small
 * single-threaded C process costs ~0.3 ms; a Node child per probe costs ~100 ms.
 *
 * The server itself never touches a path: only the children do. It never blocks on a child either: it
 * poll()s stdin, a SIGCHLD self-pipe and one shared answer pipe, with the nearest deadline as timeout.
 * At a deadline it sends SIGKILL and reports "hung" at once; the reap is reported separately, possibly
 * much later (a child blocked on a FUSE request its daemon already read stays in D state after SIGKILL
 * until the daemon answers: see Documentation/filesystems/fuse.rst, "Interrupting filesystem operations").
 * Nor does it ever call NSS: owners' groups come from a resolver child (see "owners' identities").
 *
 * Protocol (lines; numbers in decimal; paths hex-encoded because they may hold any byte but NUL):
 *   in : P <id> <timeout-ms> <as-owner 0|1> <as-user uid:gid|-> <mount-id|-1> <major:minor|-> <hex-path>
 *                                                        start a probe of the mount with that id (and
 *                                                        device) in /proc/self/mountinfo (-1/- unknown),
 *                                                        as that user from the start (a user's FUSE
 *                                                        mount) or, as-owner, as the mountpoint's owner;
 *                                                        timeout at most a day
 *        R                                               report rusage (self and reaped children)
 *        Y                                               answered Y at once: the client's watchdog
 *   out: V 4 <server-pid>                                version banner, once at start
 *        S <id> <pid> [<id> <pid>]...                    children forked for one batch of requests (one
 *                                                        line per read of stdin, not one per child); no
 *                                                        child starts before its S line is written
 *        O <id> <pid> <latency-us> <entries> <mode-octal> <uid> <gid> <frsize> <blocks> <bfree> <bavail>
 *          <files> <ffree> [<exit-code> <signal>]        listed and statvfs()ed
 *        D <id> <pid> <latency-us> <mode-octal> <uid> [<exit-code> <signal>]
 *                                                        owner's mode bits lack r or x
 *        E <id> <pid> <latency-us> <errno> <stage> [<exit-code> <signal>]
 *                                                        a call failed (stage: fork stat setuid opendir
 *                                                        readdir statfs, or mount: the path did not lead
 *                                                        to that mount, ESTALE, or met a symlink, ELOOP);
 *                                                        pid 0 when no child ran (fork failed, or a bad
 *                                                        request: then a ? line comes first)
 *        H <id> <pid> <latency-us>                       deadline passed: SIGKILL sent
 *        X <id> <pid> <exit-code> <signal>               child reaped (exit-code -1 when signalled)
 *        U <utime-us> <stime-us> <maxrss-kb> <child-utime-us> <child-stime-us> <child-maxrss-kb>
 *        Y                                               alive (the answer to Y)
 *        ? <text>                                        malformed request
 * Exactly one answer (O, D, E or H) and exactly one reap per P, the reap never before the answer. When the
 * child was already reaped as its answer is read (the usual case), the reap rides on the answer line as
 * its two trailing fields and no X line follows: half the lines to write and parse. Output is written
 * with one write(2) per loop iteration (stdout is fully buffered, flushed before poll).
 * Usage: msm-prober [--reap-ms N] [--no-openat2]. On stdin EOF: SIGKILL every child, reap for at most
 * --reap-ms (default 2000, at most 60000), exit. --no-openat2 makes the children use the component walk
 * that kernels before 5.6 get (for tests).
 */
#define _GNU_SOURCE /* statx, O_PATH, AT_EMPTY_PATH */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/openat2.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#endif
#ifndef O_PATH
#define O_PATH (O_RDONLY | O_NONBLOCK) /* macOS: no O_PATH; as root, reading a directory is allowed */
#endif

enum stage { ST_FORK, ST_STAT, ST_SETUID, ST_OPENDIR, ST_READDIR, ST_STATFS, ST_MOUNT };
static const char *const stage_names[] = { "fork", "stat", "setuid", "opendir", "readdir", "statfs", "mount" };

/* What a child writes to the shared answer pipe: one write of sizeof(struct answer) <= PIPE_BUF bytes,
 * which POSIX guarantees is atomic (write(2)), so answers from many children never interleave. */
struct answer {
  pid_t pid;
  int kind; /* 'O', 'D' or 'E' */
  int err;
  int stage;
  unsigned int mode;
  unsigned long long uid, gid, entries;
  unsigned long long frsize, blocks, bfree, bavail, files, ffree;
};

struct probe {
  unsigned long long id;
  pid_t pid;
  long long start_ns, deadline_ns;
  int answered; /* an O/D/E/H line was sent */
  int reaped;   /* waitpid() returned it in this iteration; status holds its wait status */
  int status;
};

static struct probe *probes;
static size_t nprobes, cap_probes;
/* The earliest deadline among unanswered probes, or -1: the deadline scan runs only when it is due, not
 * on every loop iteration (a sweep of 1,000 probes makes thousands of iterations). It may be stale-early
 * (its probe answered meanwhile); a stale value only costs one extra scan. */
static long long next_deadline_ns = -1;
static int sig_pipe[2] = { -1, -1 };
static int ans_pipe[2] = { -1, -1 };
static int go_pipe[2] = { -1, -1 }; /* see report_forked() */

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_sigchld(int sig) {
  int saved = errno;
  char c = 0;
  (void)sig;
  (void)!write(sig_pipe[1], &c, 1); /* non-blocking: a full pipe already means "reap" */
  errno = saved;
}

static int set_flags(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -1;
  return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* ---- owners' identities: resolved by a child, never by the server ---- */

/* A user's gid and supplementary groups (what initgroups(3) would set), as the resolver child found them
 * through NSS. The server keeps them in this table and never calls NSS itself: a hung LDAP or sssd group
 * source would otherwise stall the loop that enforces every probe's deadline (issue 10). Probe children
 * inherit the table at fork and switch to an owner without a lookup; an owner not in it yet is looked up
 * by the child itself (the child, not the server, waits on a slow source), and asked of the resolver for
 * next time. Entries are asked again after IDENT_REFRESH_NS, the old answer used meanwhile. */
enum ident_state { ID_ASKED, ID_KNOWN, ID_NO_ENTRY, ID_TOO_MANY };
struct ident {
  uid_t uid;
  int used;
  enum ident_state state;
  gid_t gid;
  int ngroups;
  gid_t *groups;
  long long resolved_ns, asked_ns;
};
#define MAX_TIMEOUT_MS (24LL * 3600 * 1000) /* a probe's timeout: a day is already absurd */
#define MAX_REAP_MS 60000LL
#define IDENT_REFRESH_NS (60LL * 1000000000LL)
#define RESOLVER_PATIENCE_NS (10LL * 1000000000LL) /* a resolver silent this long with a question is hung */
#define RESOLVER_MAX_GROUPS 1024                    /* more: the child looks the owner up itself */

static struct ident *idents; /* open addressing on uid, capacity a power of two, at most half full */
static size_t nidents, cap_idents;

static const struct ident *ident_find(uid_t uid) {
  if (cap_idents == 0) return NULL;
  for (size_t i = (uid * 2654435761u) & (cap_idents - 1);; i = (i + 1) & (cap_idents - 1)) {
    if (!idents[i].used) return NULL;
    if (idents[i].uid == uid) return &idents[i];
  }
}

/* The entry for uid, made (state ID_ASKED, never asked) if new; NULL when out of memory. */
static struct ident *ident_slot(uid_t uid) {
  struct ident *found = (struct ident *)ident_find(uid);
  if (found) return found;
  if (2 * (nidents + 1) > cap_idents) {
    size_t cap = cap_idents ? cap_idents * 2 : 64;
    struct ident *old = idents, *table = calloc(cap, sizeof *table);
    size_t old_cap = cap_idents;
    if (!table) return NULL;
    idents = table;
    cap_idents = cap;
    nidents = 0;
    for (size_t i = 0; i < old_cap; i++)
      if (old[i].used) *ident_slot(old[i].uid) = old[i];
    free(old);
  }
  size_t i = (uid * 2654435761u) & (cap_idents - 1);
  while (idents[i].used) i = (i + 1) & (cap_idents - 1);
  memset(&idents[i], 0, sizeof idents[i]);
  idents[i].used = 1;
  idents[i].uid = uid;
  idents[i].state = ID_ASKED;
  nidents++;
  return &idents[i];
}

/* ---- the child: everything that touches the path happens here ---- */

/* What the mount table says the path leads to: the mount id (mountinfo field 1, -1 when unknown) and the
 * filesystem's device (field 3), for kernels whose statx(2) has no STATX_MNT_ID (before 5.8). */
struct target {
  long long mnt_id;
  int has_dev;
  dev_t dev;
  /* A user's own FUSE mount (user_id=, group_id=): probed as that user from the first call, because the
   * kernel lets no one else in, root included (fs/fuse/dir.c fuse_allow_current_process() wants uid,
   * euid, suid, gid, egid and sgid all equal to the mount's). */
  int as_user;
  uid_t user_uid;
  gid_t user_gid;
};

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

static int openat2_missing; /* --no-openat2 (what kernels before 5.6 get), or ENOSYS seen */

static _Noreturn void child_answer(struct answer *a) {
  a->pid = getpid();
  (void)!write(ans_pipe[1], a, sizeof *a);
  _exit(0);
}

static _Noreturn void child_fail(struct answer *a, int stage, int err) {
  a->kind = 'E';
  a->stage = stage;
  a->err = err;
  child_answer(a);
}

/* The success answer: what was counted so far, and the filesystem's capacity. */
static _Noreturn void child_capacity(struct answer *a, const struct statvfs *vf) {
  a->frsize = vf->f_frsize ? vf->f_frsize : vf->f_bsize;
  a->blocks = vf->f_blocks;
  a->bfree = vf->f_bfree;
  a->bavail = vf->f_bavail;
  a->files = vf->f_files;
  a->ffree = vf->f_ffree;
  a->kind = 'O';
  child_answer(a);
}

static void child_death_signal(pid_t server) {
#ifdef __linux__
  /* If the server dies, die too instead of lingering; prctl(2) notes the setting is cleared by a change
   * of credentials, so this runs again after the drop. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != server) _exit(1);
#else
  (void)server;
#endif
}

/* Become a user for good: supplementary groups, then gid, then uid (the order setuid(2) requires), then
 * check that root cannot be regained. */
static int become_with(uid_t uid, gid_t gid, const gid_t *groups, int ngroups) {
  if (ngroups >= 0 && setgroups((size_t)ngroups, groups)) return errno; /* -1: set by initgroups already */
  if (setgid(gid)) return errno;
  if (setuid(uid)) return errno;
  if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) return EPERM;
  if (uid != 0 && setuid(0) == 0) return EPERM;
  return 0;
}

/* Become uid with its groups: from the resolver's table, else through NSS here. `gid` is the gid to take
 * (a FUSE mount's group_id=), or -1 for the passwd entry's, `fallback_gid` when there is none. */
static int become(uid_t uid, gid_t gid, gid_t fallback_gid) {
  const struct ident *id = ident_find(uid);
  if (id && id->state == ID_KNOWN) return become_with(uid, gid != (gid_t)-1 ? gid : id->gid, id->groups, id->ngroups);
  if (id && id->state == ID_NO_ENTRY) return become_with(uid, gid != (gid_t)-1 ? gid : fallback_gid, NULL, 0);
  struct passwd *pw = getpwuid(uid);
  if (gid == (gid_t)-1) gid = pw ? pw->pw_gid : fallback_gid;
  if (pw && initgroups(pw->pw_name, gid)) return errno;
  return become_with(uid, gid, NULL, pw ? -1 : 0);
}


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
 * the path was changed after the table was read (issue 15 item 1).
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
static int on_target(const struct node *n, const struct target *t) {
  if (t->mnt_id >= 0 && n->has_mnt_id) return n->mnt_id == (unsigned long long)t->mnt_id ? 0 : ESTALE;
  if (t->has_dev) return n->dev == t->dev ? 0 : ESTALE;
  return 0;
}

static int same_node(const struct node *a, const struct node *b) {
  return a->dev == b->dev && a->ino == b->ino && a->has_mnt_id == b->has_mnt_id && a->mnt_id == b->mnt_id;
}

/* Entries of an open directory but "." and "..". */
static int count_entries(int dfd, unsigned long long *count) {
  DIR *dir = fdopendir(dfd);
  struct dirent *de;
  if (!dir) return errno;
  for (;;) {
    errno = 0;
    de = readdir(dir);
    if (!de) return errno;
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) (*count)++;
  }
}

/* The probe. The path is opened once, as root, without following symlinks; what was opened must be the
 * mount the table names; everything after (the owner, the listing, the capacity) goes through that file
 * or, as the owner, through a second open of the same path that must reach the same file. So root never
 * looks at anything but the mount, whatever a user does to the directories above it (issue 15 item 1). */
static _Noreturn void child_probe(const char *path, const struct target *target, int as_owner, pid_t server) {
  struct answer a;
  struct node n, seen;
  struct statvfs vf;
  int fd, dfd, err, dropped = 0;
  char go;
  uid_t me;

  memset(&a, 0, sizeof a);
  close(STDIN_FILENO);
  close(STDOUT_FILENO); /* the protocol pipe: a stuck child must not hold it open */
  close(STDERR_FILENO); /* nor our caller's stderr: a child in D state would keep that pipe open forever */
  close(sig_pipe[0]);
  close(sig_pipe[1]);
  close(ans_pipe[0]);
  signal(SIGCHLD, SIG_DFL);
  child_death_signal(server);
  close(go_pipe[1]);
  if (read(go_pipe[0], &go, 1) != 1) _exit(1); /* the server died before it told the client our pid */
  close(go_pipe[0]);
  me = geteuid();
  if (target->as_user && me == 0) {
    if ((err = become(target->user_uid, target->user_gid, target->user_gid))) child_fail(&a, ST_SETUID, err);
    child_death_signal(server);
    me = target->user_uid;
  }

  /* O_PATH: no permission needed on the mountpoint itself, no automount triggered, a FIFO not opened. */
  fd = open_no_symlinks(path, O_PATH);
  if (fd < 0) child_fail(&a, errno == ELOOP ? ST_MOUNT : ST_STAT, errno);
  if ((err = node_of(fd, &n))) child_fail(&a, ST_STAT, err);
  if (S_ISLNK(n.mode)) child_fail(&a, ST_MOUNT, ELOOP);
  if ((err = on_target(&n, target))) child_fail(&a, ST_MOUNT, err);
  a.mode = n.mode & 07777;
  a.uid = n.uid;
  a.gid = n.gid;
  if (as_owner && me == 0 && n.uid != 0) {
    if ((err = become(n.uid, (gid_t)-1, n.gid))) child_fail(&a, ST_SETUID, err);
    child_death_signal(server);
    me = n.uid;
    dropped = 1;
  }
  /* As the owner (root included, whom the kernel would let through), the seed's rule: the owner's own
   * mode bits must allow reading and searching the directory. A mount of a file, device or FIFO
   * (kubelet subPath volumes, /dev/null masks) has nothing to list, and the rule is about listing. */
  if (S_ISDIR(n.mode) && me == n.uid && (n.mode & (S_IRUSR | S_IXUSR)) != (S_IRUSR | S_IXUSR)) {
    a.kind = 'D';
    child_answer(&a);
  }
  if (dropped) {
    /* Dropped: walk the path again as the owner, as the seed's opendir(path) did (a parent the owner
     * may not search gives EACCES), and it must reach the same file. */
    dfd = open_no_symlinks(path, S_ISDIR(n.mode) ? O_RDONLY | O_DIRECTORY : O_PATH);
    if (dfd < 0) child_fail(&a, errno == ELOOP ? ST_MOUNT : ST_OPENDIR, errno);
    if ((err = node_of(dfd, &seen))) child_fail(&a, ST_OPENDIR, err);
    if (!same_node(&n, &seen)) child_fail(&a, ST_MOUNT, ESTALE);
    close(fd);
  } else {
    dfd = S_ISDIR(n.mode) ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : fd;
    if (dfd < 0) child_fail(&a, ST_OPENDIR, errno);
  }
  if (S_ISDIR(n.mode) && (err = count_entries(dfd, &a.entries))) child_fail(&a, ST_READDIR, err);
  /* fstatvfs on the listed directory (or the O_PATH file: fstatfs(2) takes one since Linux 3.12). */
  if (fstatvfs(dfd, &vf)) child_fail(&a, ST_STATFS, errno);
  child_capacity(&a, &vf);
}

/* ---- the server ---- */

/* The resolver: a child that answers "<uid>\n" with "<uid> <gid> <n> <group>...\n" (its passwd entry's gid
 * and getgrouplist(3)), "<uid> -\n" (no entry) or "<uid> +\n" (more than RESOLVER_MAX_GROUPS groups). */
static pid_t resolver_pid = -1;
static int resolver_in = -1, resolver_out = -1; /* the server's ends: questions go in, answers come out */
static size_t resolver_questions;              /* asked, not answered */
static long long resolver_waiting_since = -1;  /* since when the resolver owes an answer, or -1 */
static long long resolver_banned_until;        /* after a hung one was killed: no new one before this */

static _Noreturn void resolver_main(int in, int out) {
  static char line[64], reply[RESOLVER_MAX_GROUPS * 12 + 64];
  static gid_t groups[RESOLVER_MAX_GROUPS];
  size_t have = 0;
  for (;;) {
    ssize_t r = read(in, line + have, sizeof line - 1 - have);
    if (r <= 0) _exit(0); /* the server closed the pipe or died */
    have += (size_t)r;
    char *nl;
    while ((nl = memchr(line, '\n', have)) != NULL) {
      *nl = 0;
      uid_t uid = (uid_t)strtoul(line, NULL, 10);
      struct passwd *pw = getpwuid(uid);
      int n = RESOLVER_MAX_GROUPS, len;
      if (!pw)
        len = snprintf(reply, sizeof reply, "%u -\n", (unsigned)uid);
      else if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
        len = snprintf(reply, sizeof reply, "%u +\n", (unsigned)uid);
      else {
        len = snprintf(reply, sizeof reply, "%u %u %d", (unsigned)uid, (unsigned)pw->pw_gid, n);
        for (int i = 0; i < n; i++) len += snprintf(reply + len, sizeof reply - (size_t)len, " %u", (unsigned)groups[i]);
        reply[len++] = '\n';
      }
      for (int off = 0; off < len;) { /* blocking: the server reads whenever it polls */
        ssize_t w = write(out, reply + off, (size_t)(len - off));
        if (w <= 0) _exit(0);
        off += (int)w;
      }
      have -= (size_t)(nl + 1 - line);
      memmove(line, nl + 1, have);
    }
    if (have == sizeof line - 1) have = 0; /* not a question of ours */
  }
}

static void resolver_stop(long long ban_until) {
  if (resolver_pid > 0) kill(resolver_pid, SIGKILL); /* reaped by reap(), like any child */
  close(resolver_in);
  close(resolver_out);
  resolver_pid = -1;
  resolver_in = resolver_out = -1;
  resolver_questions = 0;
  resolver_waiting_since = -1;
  resolver_banned_until = ban_until;
  for (size_t i = 0; i < cap_idents; i++) /* unanswered questions are asked again of the next one */
    if (idents[i].used && idents[i].asked_ns > idents[i].resolved_ns) idents[i].asked_ns = 0;
}

static int resolver_start(void) {
  int q[2], a[2];
  if (pipe(q)) return -1;
  if (pipe(a)) {
    close(q[0]);
    close(q[1]);
    return -1;
  }
  pid_t server = getpid(), pid = fork();
  if (pid < 0) {
    close(q[0]), close(q[1]), close(a[0]), close(a[1]);
    return -1;
  }
  if (pid == 0) {
    close(q[1]);
    close(a[0]);
    close(STDIN_FILENO);
    close(STDOUT_FILENO);
    close(STDERR_FILENO);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    close(ans_pipe[0]);
    close(ans_pipe[1]);
    if (go_pipe[0] >= 0) close(go_pipe[0]), close(go_pipe[1]);
    signal(SIGCHLD, SIG_DFL);
#ifdef __linux__
    if (prctl(PR_SET_PDEATHSIG, SIGKILL)) _exit(1);
#endif
    if (getppid() != server) _exit(1);
    resolver_main(q[0], a[1]);
  }
  close(q[0]);
  close(a[1]);
  if (set_flags(q[1]) || set_flags(a[0])) {
    close(q[1]);
    close(a[0]);
    kill(pid, SIGKILL);
    return -1;
  }
  resolver_pid = pid;
  resolver_in = q[1];
  resolver_out = a[0];
  return 0;
}

/* Asks the resolver about uid unless its answer is fresh or a question is out. Never waits. */
static void ident_ask(uid_t uid) {
  long long now = now_ns();
  struct ident *id = ident_slot(uid);
  char q[32];
  int n;
  if (!id || (id->asked_ns && now - id->asked_ns < IDENT_REFRESH_NS)) return;
  if (resolver_pid < 0 && (now < resolver_banned_until || resolver_start())) return;
  n = snprintf(q, sizeof q, "%u\n", (unsigned)uid);
  if (write(resolver_in, q, (size_t)n) != n) return; /* full (< PIPE_BUF: all or nothing): asked later */
  id->asked_ns = now;
  if (resolver_questions++ == 0) resolver_waiting_since = now;
}

static void ident_learn(char *line) {
  char *p = line, *end;
  uid_t uid = (uid_t)strtoul(p, &end, 10);
  struct ident *id;
  if (end == p || *end != ' ' || !(id = ident_slot(uid))) return;
  p = end + 1;
  if (*p == '-') {
    id->state = ID_NO_ENTRY;
  } else if (*p == '+') {
    id->state = ID_TOO_MANY;
  } else {
    gid_t gid = (gid_t)strtoul(p, &p, 10);
    long n = strtol(p, &p, 10);
    gid_t *groups = n > 0 && n <= RESOLVER_MAX_GROUPS ? malloc((size_t)n * sizeof *groups) : NULL;
    if (n < 0 || n > RESOLVER_MAX_GROUPS || (n > 0 && !groups)) return;
    for (long i = 0; i < n; i++) groups[i] = (gid_t)strtoul(p, &p, 10);
    free(id->groups);
    id->groups = groups;
    id->ngroups = (int)n;
    id->gid = gid;
    id->state = ID_KNOWN;
  }
  id->resolved_ns = now_ns();
}

/* Reads the resolver's answers; kills it if it has owed one for RESOLVER_PATIENCE_NS (a hung source),
 * and starts no other for a minute: meanwhile children look their owners up themselves. */
static void resolver_poll(long long now) {
  static char buf[RESOLVER_MAX_GROUPS * 12 + 64];
  static size_t have;
  if (resolver_out < 0) return;
  for (;;) {
    ssize_t r = read(resolver_out, buf + have, sizeof buf - have);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
      resolver_stop(now + IDENT_REFRESH_NS);
      have = 0;
      return;
    }
    if (r < 0) break;
    have += (size_t)r;
    char *nl;
    while ((nl = memchr(buf, '\n', have)) != NULL) {
      *nl = 0;
      ident_learn(buf);
      if (resolver_questions > 0 && --resolver_questions == 0) resolver_waiting_since = -1;
      else resolver_waiting_since = now;
      have -= (size_t)(nl + 1 - buf);
      memmove(buf, nl + 1, have);
    }
    if (have == sizeof buf) have = 0; /* no line of ours is this long */
  }
  if (resolver_waiting_since >= 0 && now - resolver_waiting_since >= RESOLVER_PATIENCE_NS) {
    resolver_stop(now + IDENT_REFRESH_NS);
    have = 0;
  }
}

static struct probe *find_pid(pid_t pid) {
  for (size_t i = 0; i < nprobes; i++)
    if (probes[i].pid == pid) return &probes[i];
  return NULL;
}

static long long latency_us(const struct probe *p) { return (now_ns() - p->start_ns) / 1000; }

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The children forked for the requests of one read, reported on one S line: the client needs each pid
 * to watch a child that outlives a dead server (a D-state child survives even its SIGKILL) before it
 * probes that mount again. So no child touches its path before the client can know its pid: each waits
 * for one byte on the batch's go pipe, written only once the S line is out. A server that dies first
 * closes the pipe, and its children exit untouched (read returns 0): a probe whose pid the client never
 * heard of never started (issue 15 item 6). */
static struct {
  unsigned long long id;
  pid_t pid;
} forked[256];
static size_t nforked;

static void report_forked(void) {
  static const char go[sizeof forked / sizeof *forked] = { 0 };
  if (nforked == 0) return;
  putchar('S');
  for (size_t i = 0; i < nforked; i++) printf(" %llu %ld", forked[i].id, (long)forked[i].pid);
  putchar('\n');
  if (fflush(stdout) == 0) (void)!write(go_pipe[1], go, nforked); /* < PIPE_BUF: all at once */
  close(go_pipe[0]);
  close(go_pipe[1]);
  go_pipe[0] = go_pipe[1] = -1;
  nforked = 0;
}

static void start_probe(unsigned long long id, long long timeout_ms, int as_owner, const struct target *target,
                        const char *hex) {
  size_t n = strlen(hex);
  char path[PATH_MAX + 1];
  struct probe *p;
  pid_t pid, server = getpid();

  if (n == 0 || n % 2 || n / 2 > PATH_MAX) {
    printf("? bad path for %llu\nE %llu 0 0 %d fork -1 0\n", id, id, ENAMETOOLONG);
    return;
  }
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0 || (hi | lo) == 0) {
      printf("? bad path for %llu\nE %llu 0 0 %d fork -1 0\n", id, id, EINVAL);
      return;
    }
    path[i] = (char)(hi * 16 + lo);
  }
  path[n / 2] = 0;

  if (nprobes == cap_probes) {
    size_t cap = cap_probes ? cap_probes * 2 : 64;
    struct probe *np = realloc(probes, cap * sizeof *np);
    if (!np) {
      printf("E %llu 0 0 %d fork -1 0\n", id, ENOMEM);
      return;
    }
    probes = np;
    cap_probes = cap;
  }
  p = &probes[nprobes];
  p->id = id;
  p->answered = 0;
  p->reaped = 0;
  if (target->as_user) ident_ask(target->user_uid);
  p->start_ns = now_ns();
  p->deadline_ns = p->start_ns + timeout_ms * 1000000LL;
  if (nforked == sizeof forked / sizeof *forked) report_forked(); /* before the next child joins a go pipe */
  if (go_pipe[0] < 0 && pipe(go_pipe)) {
    printf("E %llu 0 0 %d fork -1 0\n", id, errno);
    return;
  }
  pid = fork();
  if (pid < 0) {
    printf("E %llu 0 0 %d fork -1 0\n", id, errno);
    return;
  }
  if (pid == 0) {
    child_probe(path, target, as_owner, server);
    _exit(1); /* not reached: every path of child_probe() ends in _exit */
  }
  p->pid = pid;
  nprobes++;
  forked[nforked].id = id;
  forked[nforked++].pid = pid;
  if (next_deadline_ns < 0 || p->deadline_ns < next_deadline_ns) next_deadline_ns = p->deadline_ns;
}

/* The reap's two trailing fields, or nothing when the child has not been reaped yet. */
static void print_reap_fields(const struct probe *p) {
  if (!p->reaped) return;
  if (WIFSIGNALED(p->status))
    printf(" -1 %d", WTERMSIG(p->status));
  else
    printf(" %d 0", WEXITSTATUS(p->status));
}

static void remove_probe(struct probe *p) { *p = probes[--nprobes]; }

/* Reads every answer in the pipe and prints it. Only reap() sets p->reaped, and it calls this before
 * anything else looks at the table again, so removing a reaped probe here cannot disturb a caller's loop. */
static void drain_answers(void) {
  static char buf[sizeof(struct answer) * 64];
  static size_t have;
  for (;;) {
    ssize_t r = read(ans_pipe[0], buf + have, sizeof buf - have);
    if (r <= 0) return; /* EAGAIN: nothing more now */
    have += (size_t)r;
    size_t off = 0;
    for (; have - off >= sizeof(struct answer); off += sizeof(struct answer)) {
      struct answer a;
      memcpy(&a, buf + off, sizeof a);
      struct probe *p = find_pid(a.pid);
      if (!p || p->answered) continue; /* already reported hung: a late answer is not a success */
      p->answered = 1;
      if (a.kind == 'O')
        printf("O %llu %ld %lld %llu %o %llu %llu %llu %llu %llu %llu %llu %llu", p->id, (long)a.pid,
               latency_us(p), a.entries, a.mode, a.uid, a.gid, a.frsize, a.blocks, a.bfree, a.bavail,
               a.files, a.ffree);
      else if (a.kind == 'D')
        printf("D %llu %ld %lld %o %llu", p->id, (long)a.pid, latency_us(p), a.mode, a.uid);
      else
        printf("E %llu %ld %lld %d %s", p->id, (long)a.pid, latency_us(p), a.err,
               stage_names[a.stage >= 0 && a.stage <= ST_MOUNT ? a.stage : 0]);
      print_reap_fields(p);
      putchar('\n');
      if (a.uid != 0) ident_ask((uid_t)a.uid); /* the next probe of a mount of theirs needs no lookup */
      if (p->reaped) remove_probe(p); /* its reap went out with the answer */
    }
    memmove(buf, buf + off, have - off);
    have -= off;
  }
}

/* Reaps every child that has exited (a loop of waitpid(WNOHANG): one SIGCHLD may stand for many), then
 * reads the answers, which those children wrote before exiting, so each goes out with its reap on one
 * line; then reports the reaps of probes answered earlier (hung, or answered in an earlier iteration). */
static void reap(void) {
  static pid_t *reaped;
  static size_t nreaped, cap_reaped;
  char c[64];
  while (read(sig_pipe[0], c, sizeof c) > 0) {
  }
  nreaped = 0;
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    struct probe *p = find_pid(pid);
    if (!p) continue;
    if (nreaped == cap_reaped) {
      size_t cap = cap_reaped ? cap_reaped * 2 : 64;
      pid_t *nr = realloc(reaped, cap * sizeof *nr);
      if (!nr) { /* no room to remember it: report it now, on its own line */
        drain_answers();
        if ((p = find_pid(pid)) == NULL) continue;
        p->reaped = 1;
        p->status = status;
        if (!p->answered) printf("E %llu %ld %lld %d fork\n", p->id, (long)pid, latency_us(p), ECHILD);
        printf("X %llu %ld", p->id, (long)pid);
        print_reap_fields(p);
        putchar('\n');
        remove_probe(p);
        continue;
      }
      reaped = nr;
      cap_reaped = cap;
    }
    p->reaped = 1;
    p->status = status;
    reaped[nreaped++] = pid;
  }
  drain_answers();
  for (size_t i = 0; i < nreaped; i++) {
    struct probe *p = find_pid(reaped[i]);
    if (!p) continue; /* reported with its answer */
    if (!p->answered) /* died without answering (killed from outside, or crashed) */
      printf("E %llu %ld %lld %d fork", p->id, (long)p->pid, latency_us(p), ECHILD);
    else
      printf("X %llu %ld", p->id, (long)p->pid);
    print_reap_fields(p);
    putchar('\n');
    remove_probe(p);
  }
}

static long long tv_us(struct timeval tv) { return (long long)tv.tv_sec * 1000000LL + tv.tv_usec; }

static void report_usage(void) {
  struct rusage self, kids;
  long div = 1;
#ifdef __APPLE__
  div = 1024; /* macOS reports ru_maxrss in bytes, Linux and FreeBSD in kilobytes (getrusage(2)) */
#endif
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  printf("U %lld %lld %ld %lld %lld %ld\n", tv_us(self.ru_utime), tv_us(self.ru_stime), self.ru_maxrss / div,
         tv_us(kids.ru_utime), tv_us(kids.ru_stime), kids.ru_maxrss / div);
}

/* The next space-separated field of *s as a decimal number in [min, max]; moves *s past it. */
static int field_num(char **s, long long min, long long max, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(*s, &end, 10);
  if (errno || end == *s || (*end != ' ' && *end) || v < min || v > max) return -1;
  *out = v;
  *s = end + (*end == ' ');
  return 0;
}

/* The next field as "a:b" (two unsigned numbers), or "-" (*present 0). */
static int field_pair(char **s, unsigned *a, unsigned *b, int *present) {
  char *end;
  if ((*s)[0] == '-' && ((*s)[1] == ' ' || !(*s)[1])) {
    *present = 0;
    *s += 1 + ((*s)[1] == ' ');
    return 0;
  }
  errno = 0;
  unsigned long x = strtoul(*s, &end, 10);
  if (errno || end == *s || *end != ':' || x > UINT_MAX || **s == '-') return -1;
  char *second = end + 1;
  unsigned long y = strtoul(second, &end, 10);
  if (errno || end == second || (*end != ' ' && *end) || y > UINT_MAX || *second == '-') return -1;
  *a = (unsigned)x;
  *b = (unsigned)y;
  *present = 1;
  *s = end + (*end == ' ');
  return 0;
}

/* P <id> <timeout-ms> <as-owner> <as-user> <mount-id> <dev> <hex-path>: a request whose id parses but
 * whose other fields do not still gets its one answer (EINVAL), so the client is not left waiting. */
static void handle_line(char *line) {
  long long id, timeout_ms, as_owner, mnt_id;
  unsigned a = 0, b = 0;
  int present = 0;
  char *s = line + 2;
  struct target target;
  memset(&target, 0, sizeof target);
  if (strcmp(line, "R") == 0) {
    report_usage();
    return;
  }
  if (strcmp(line, "Y") == 0) { /* the client's watchdog: are you there? */
    printf("Y\n");
    return;
  }
  if (strncmp(line, "P ", 2) || field_num(&s, 0, LLONG_MAX, &id)) {
    printf("? unknown request (%.40s)\n", line);
    return;
  }
  int bad = field_num(&s, 0, MAX_TIMEOUT_MS, &timeout_ms) || field_num(&s, 0, 1, &as_owner) ||
            field_pair(&s, &a, &b, &present);
  target.as_user = present;
  target.user_uid = a;
  target.user_gid = b;
  if (bad || field_num(&s, -1, LLONG_MAX, &mnt_id) || field_pair(&s, &a, &b, &present)) {
    printf("? bad request for %lld\nE %lld 0 0 %d fork -1 0\n", id, id, EINVAL);
    return;
  }
  target.mnt_id = mnt_id;
  target.has_dev = present;
  if (present) target.dev = makedev(a, b);
  start_probe((unsigned long long)id, timeout_ms, (int)as_owner, &target, s);
}

/* A request line that does not fit the buffer (a path of more than about PATH_MAX bytes): it still gets
 * its one answer, ENAMETOOLONG (stat(2) would say the same), so the client is not left waiting for it. */
static void too_long(const char *start, size_t len) {
  char head[64];
  unsigned long long id;
  size_t n = len < sizeof head - 1 ? len : sizeof head - 1;
  memcpy(head, start, n);
  head[n] = 0;
  if (sscanf(head, "P %llu ", &id) == 1)
    printf("? request too long for %llu\nE %llu 0 0 %d fork -1 0\n", id, id, ENAMETOOLONG);
  else
    printf("? request too long\n");
}

/* Reads what stdin has; returns 0 on EOF or error. */
static int read_requests(void) {
  static char buf[2 * PATH_MAX + 256];
  static size_t have;
  static int skipping; /* inside an overlong line, answered already: drop it up to its newline */
  ssize_t r = read(STDIN_FILENO, buf + have, sizeof buf - have);
  if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return 0;
  if (r < 0) return 1;
  have += (size_t)r;
  size_t start = 0;
  for (size_t i = 0; i < have; i++) {
    if (buf[i] != '\n') continue;
    buf[i] = 0;
    if (skipping)
      skipping = 0; /* the end of the overlong line: not a request of its own */
    else
      handle_line(buf + start);
    start = i + 1;
  }
  report_forked();
  if (skipping) start = have; /* still inside the overlong line */
  memmove(buf, buf + start, have - start);
  have -= start;
  if (have == sizeof buf) { /* a line longer than any valid request: answer it, then drop the rest of it */
    too_long(buf, have);
    skipping = 1;
    have = 0;
  }
  return 1;
}

/* --reap-ms N: a whole number of milliseconds, at most a minute. */
static int parse_reap_ms(const char *text, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno || end == text || *end || v < 0 || v > MAX_REAP_MS) return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  long long reap_ms = 2000, shutdown_ns = -1;
  int stdin_open = 1;
  struct sigaction sa;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reap-ms") == 0 && i + 1 < argc) {
      if (parse_reap_ms(argv[++i], &reap_ms)) {
        fprintf(stderr, "msm-prober: --reap-ms takes 0 to %lld milliseconds, not %s\n", MAX_REAP_MS, argv[i]);
        return 2;
      }
    } else if (strcmp(argv[i], "--no-openat2") == 0) {
      openat2_missing = 1;
    } else {
      fprintf(stderr, "msm-prober: unknown argument %s (usage: msm-prober [--reap-ms N] [--no-openat2])\n", argv[i]);
      return 2;
    }
  }

#ifdef __linux__
  /* Die with the Node helper (prctl(2), PR_SET_PDEATHSIG), and check it did not die before we asked. */
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL)) {
    perror("msm-prober: prctl(PR_SET_PDEATHSIG)");
    return 1;
  }
  if (getppid() != parent) return 1;
#endif
  if (pipe(sig_pipe) || pipe(ans_pipe) || set_flags(sig_pipe[0]) || set_flags(sig_pipe[1]) ||
      set_flags(ans_pipe[0]) || fcntl(ans_pipe[1], F_SETFD, FD_CLOEXEC) || set_flags(STDIN_FILENO)) {
    perror("msm-prober: pipe");
    return 1;
  }
  signal(SIGPIPE, SIG_IGN); /* a vanished reader shows as EPIPE from write, handled below */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGCHLD, &sa, NULL)) {
    perror("msm-prober: sigaction(SIGCHLD)");
    return 1;
  }

  printf("V 4 %ld\n", (long)getpid());
  fflush(stdout);
  for (;;) {
    long long now = now_ns(), next = -1;
    struct pollfd fds[4];
    int nfds = 0, timeout, stdin_at = -1;

    if (shutdown_ns < 0 && next_deadline_ns >= 0 && next_deadline_ns <= now) {
      next_deadline_ns = -1;
      drain_answers(); /* an answer that arrived in time is not misreported as hung */
      for (size_t i = 0; i < nprobes; i++) {
        struct probe *p = &probes[i];
        if (p->answered) continue;
        if (p->deadline_ns <= now) {
          kill(p->pid, SIGKILL);
          p->answered = 1;
          printf("H %llu %ld %lld\n", p->id, (long)p->pid, latency_us(p));
        } else if (next_deadline_ns < 0 || p->deadline_ns < next_deadline_ns) {
          next_deadline_ns = p->deadline_ns;
        }
      }
    }
    next = shutdown_ns < 0 ? next_deadline_ns : -1;
    if (shutdown_ns >= 0) {
      if (nprobes == 0 || now >= shutdown_ns) break;
      next = shutdown_ns;
    }
    if (resolver_waiting_since >= 0 && (next < 0 || resolver_waiting_since + RESOLVER_PATIENCE_NS < next))
      next = resolver_waiting_since + RESOLVER_PATIENCE_NS;
    if (fflush(stdout) == EOF && errno == EPIPE && shutdown_ns < 0) stdin_open = 0; /* reader gone */
    timeout = next < 0 ? -1 : next <= now ? 0 : (int)((next - now + 999999) / 1000000);

    if (stdin_open) {
      stdin_at = nfds;
      fds[nfds++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
    }
    fds[nfds++] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
    fds[nfds++] = (struct pollfd){ .fd = ans_pipe[0], .events = POLLIN };
    if (resolver_out >= 0) fds[nfds++] = (struct pollfd){ .fd = resolver_out, .events = POLLIN };
    if (poll(fds, (nfds_t)nfds, timeout) < 0 && errno != EINTR) {
      perror("msm-prober: poll");
      break;
    }
    reap(); /* drains the answer pipe too */
    resolver_poll(now_ns());
    if (stdin_at >= 0 && fds[stdin_at].revents && !read_requests()) stdin_open = 0;
    if (!stdin_open && shutdown_ns < 0) {
      for (size_t i = 0; i < nprobes; i++) kill(probes[i].pid, SIGKILL);
      if (resolver_pid > 0) resolver_stop(0);
      shutdown_ns = now_ns() + reap_ms * 1000000LL;
    }
  }
  fflush(stdout);
  return 0;
}
