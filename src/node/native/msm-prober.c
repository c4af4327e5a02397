/*
 * msm-prober: the probe fork server of Mount Status Monitor.
 *
 * The Node helper spawns this once and writes requests on its stdin; for each request it fork()s a child
 * that opens the mountpoint (as root, following no symlink), checks that it opened the mount the table
 * names, drops to the owner, lists the directory and reads statvfs. Forking
 * from this small single-threaded C process costs ~0.3 ms; a Node child per probe costs ~100 ms.
 *
 * The server itself never touches a path: only the children do. It never blocks on a child either: it
 * poll()s stdin, a SIGCHLD self-pipe and one shared answer pipe, with the nearest deadline as timeout.
 * At a deadline it sends SIGKILL and reports "hung" at once; the reap is reported separately, possibly
 * much later (a child blocked on a FUSE request its daemon already read stays in D state after SIGKILL
 * until the daemon answers: see Documentation/filesystems/fuse.rst, "Interrupting filesystem operations").
 *
 * Protocol (lines; numbers in decimal; paths hex-encoded because they may hold any byte but NUL):
 *   in : P <id> <timeout-ms> <as-owner 0|1> <as-user uid:gid|-> <mount-id|-1> <major:minor|-> <hex-path>
 *                                                        start a probe of the mount with that id (and
 *                                                        device) in /proc/self/mountinfo (-1/- unknown),
 *                                                        as that user from the start (a user's FUSE
 *                                                        mount) or, as-owner, as the mountpoint's owner
 *        R                                               report rusage (self and reaped children)
 *        Y                                               answered Y at once: the client's watchdog
 *   out: V 4 <server-pid>                                version banner, once at start
 *        S <id> <pid> [<id> <pid>]...                     children forked for one batch of requests (one
 *                                                        line per read of stdin, not one per child)
 *        O <id> <pid> <latency-us> <entries> <mode-octal> <uid> <gid> <frsize> <blocks> <bfree> <bavail>
 *          <files> <ffree> [<exit-code> <signal>]        listed and statvfs()ed
 *        D <id> <pid> <latency-us> <mode-octal> <uid> [<exit-code> <signal>]
 *                                                        owner's mode bits lack r or x
 *        E <id> <pid> <latency-us> <errno> <stage> [<exit-code> <signal>]
 *                                                        a call failed (stage: fork stat setuid opendir
 *                                                        readdir statfs, or mount: the path did not lead
 *                                                        to that mount, ESTALE, or met a symlink, ELOOP);
 *                                                        pid 0 when fork itself failed
 *        H <id> <pid> <latency-us>                       deadline passed: SIGKILL sent
 *        X <id> <pid> <exit-code> <signal>               child reaped (exit-code -1 when signalled)
 * Exactly one answer (O, D, E or H) and exactly one reap per P, the reap never before the answer. When the
 * child was already reaped as its answer is read (the usual case), the reap rides on the answer line as
 * its two trailing fields and no X line follows: half the lines to write and parse.
 * Output is written with one write(2) per loop iteration (stdout is fully buffered, flushed before poll).
 *        U <utime-us> <stime-us> <maxrss-kb> <child-utime-us> <child-stime-us> <child-maxrss-kb>
 *        ? <text>                                        malformed request
 * On stdin EOF: SIGKILL every child, reap for at most --reap-ms (default 2000), exit.
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

static void child_answer(struct answer *a) {
  a->pid = getpid();
  (void)!write(ans_pipe[1], a, sizeof *a);
  _exit(0);
}

static void child_fail(struct answer *a, int stage, int err) {
  a->kind = 'E';
  a->stage = stage;
  a->err = err;
  child_answer(a);
}

/* The success answer: what was counted so far, and the filesystem's capacity. */
static void child_capacity(struct answer *a, const struct statvfs *vf) {
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
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != server) _exit(1);
#else
  (void)server;
#endif
}

/* Become a user for good: their supplementary groups, then gid, then uid (the order setuid(2) requires),
 * then check that root cannot be regained. */
static int become(uid_t uid, gid_t gid) {
  struct passwd *pw = getpwuid(uid);
  if (pw ? initgroups(pw->pw_name, gid) : setgroups(0, NULL)) return errno;
  if (setgid(gid)) return errno;
  if (setuid(uid)) return errno;
  if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) return EPERM;
  if (uid != 0 && setuid(0) == 0) return EPERM;
  return 0;
}

/* Drop to a mountpoint's owner: their passwd entry's gid, or the file's group when they have none. */
static int drop_to(uid_t uid, gid_t fallback_gid) {
  struct passwd *pw = getpwuid(uid);
  return become(uid, pw ? pw->pw_gid : fallback_gid);
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
static void child_probe(const char *path, const struct target *target, int as_owner, pid_t server) {
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
    if ((err = become(target->user_uid, target->user_gid))) child_fail(&a, ST_SETUID, err);
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
    if ((err = drop_to(n.uid, n.gid))) child_fail(&a, ST_SETUID, err);
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

/* Load the passwd and group NSS backends here, once, so each child inherits them instead of loading them
 * itself: on Debian 12 ("passwd: files systemd", nsswitch.conf(5)) the first initgroups() in a process
 * dlopen()s libnss_systemd, libcap and libm, which was most of a child's CPU. The children still look the
 * owner up afresh (glibc re-reads /etc/passwd and /etc/group per call and re-checks nsswitch.conf's
 * mtime), so nothing is cached here but the loaded modules. Redone every minute, because glibc also
 * keeps "nscd is not running" for 100 lookups of the process (nscd/nscd_helper.c), and the children's
 * lookups never count in ours: this way a later-started nscd is still used. */
static void prewarm_nss(void) {
  static long long last_ns = -1;
  long long now = now_ns();
  gid_t groups[16];
  int n = 16;
  if (last_ns >= 0 && now - last_ns < 60LL * 1000000000LL) return;
  last_ns = now;
  struct passwd *pw = getpwuid(0);
  (void)getgrouplist(pw ? pw->pw_name : "root", 0, groups, &n);
  endpwent();
  endgrent();
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
  prewarm_nss();
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
  if (pid == 0) child_probe(path, target, as_owner, server);
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

static void handle_line(char *line) {
  unsigned long long id;
  long long timeout_ms;
  int as_owner, used = 0;
  char dev[32], user[32];
  unsigned int major, minor, uid, gid;
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
  if (sscanf(line, "P %llu %lld %d %31s %lld %31s %n", &id, &timeout_ms, &as_owner, user, &target.mnt_id, dev, &used) == 6 &&
      used > 0 && timeout_ms >= 0) {
    if (sscanf(user, "%u:%u", &uid, &gid) == 2) {
      target.as_user = 1;
      target.user_uid = uid;
      target.user_gid = gid;
    }
    if (sscanf(dev, "%u:%u", &major, &minor) == 2) {
      target.has_dev = 1;
      target.dev = makedev(major, minor);
    }
    start_probe(id, timeout_ms, as_owner != 0, &target, line + used);
    return;
  }
  printf("? unknown request (%.40s)\n", line);
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

int main(int argc, char **argv) {
  long long reap_ms = 2000, shutdown_ns = -1;
  int stdin_open = 1;
  struct sigaction sa;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reap-ms") == 0 && i + 1 < argc) reap_ms = atoll(argv[++i]);
    else if (strcmp(argv[i], "--no-openat2") == 0) openat2_missing = 1;
  }

#ifdef __linux__
  /* Die with the Node helper (prctl(2), PR_SET_PDEATHSIG), and check it did not die before we asked. */
  pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return 1;
#endif
  if (pipe(sig_pipe) || pipe(ans_pipe) || set_flags(sig_pipe[0]) || set_flags(sig_pipe[1]) ||
      set_flags(ans_pipe[0]) || fcntl(ans_pipe[1], F_SETFD, FD_CLOEXEC)) {
    perror("msm-prober: pipe");
    return 1;
  }
  set_flags(STDIN_FILENO);
  signal(SIGPIPE, SIG_IGN); /* a vanished reader shows as EPIPE from write, handled below */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, NULL);

  prewarm_nss();
  printf("V 4 %ld\n", (long)getpid());
  fflush(stdout);
  for (;;) {
    long long now = now_ns(), next = -1;
    struct pollfd fds[3];
    int nfds = 0, timeout;

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
    if (fflush(stdout) == EOF && errno == EPIPE && shutdown_ns < 0) stdin_open = 0; /* reader gone */
    timeout = next < 0 ? -1 : (int)((next - now + 999999) / 1000000);

    if (stdin_open) fds[nfds++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
    fds[nfds++] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
    fds[nfds++] = (struct pollfd){ .fd = ans_pipe[0], .events = POLLIN };
    if (poll(fds, (nfds_t)nfds, timeout) < 0 && errno != EINTR) {
      perror("msm-prober: poll");
      break;
    }
    reap(); /* drains the answer pipe too */
    if (stdin_open && fds[0].revents && !read_requests()) stdin_open = 0;
    if (!stdin_open && shutdown_ns < 0) {
      for (size_t i = 0; i < nprobes; i++) kill(probes[i].pid, SIGKILL);
      shutdown_ns = now_ns() + reap_ms * 1000000LL;
    }
  }
  fflush(stdout);
  return 0;
}
