/*
 * msm-prober: the probe fork server of Mount Status Monitor.
 *
 * The Node helper spawns this once and writes requests on its stdin; for each request it fork()s a child
 * that stats the mountpoint (as root), drops to the owner, lists the directory and reads statvfs. Forking
 * from this small single-threaded C process costs ~0.3 ms; a Node child per probe costs ~100 ms.
 *
 * The server itself never touches a path: only the children do. It never blocks on a child either: it
 * poll()s stdin, a SIGCHLD self-pipe and one shared answer pipe, with the nearest deadline as timeout.
 * At a deadline it sends SIGKILL and reports "hung" at once; the reap is reported separately, possibly
 * much later (a child blocked on a FUSE request its daemon already read stays in D state after SIGKILL
 * until the daemon answers: see Documentation/filesystems/fuse.rst, "Interrupting filesystem operations").
 *
 * Protocol (lines; numbers in decimal; paths hex-encoded because they may hold any byte but NUL):
 *   in : P <id> <timeout-ms> <as-owner 0|1> <hex-path>   start a probe
 *        R                                               report rusage (self and reaped children)
 *   out: V 1 <server-pid>                                version banner, once at start
 *        S <id> <pid>                                    child forked
 *        O <id> <pid> <latency-us> <entries> <mode-octal> <uid> <gid> <frsize> <blocks> <bfree> <bavail>
 *          <files> <ffree>                               listed and statvfs()ed
 *        D <id> <pid> <latency-us> <mode-octal> <uid>       owner's mode bits lack r or x
 *        E <id> <pid> <latency-us> <errno> <stage>       a call failed (stage: fork stat setuid opendir
 *                                                        readdir statfs); pid 0 when fork itself failed
 *        H <id> <pid> <latency-us>                       deadline passed: SIGKILL sent
 *        X <id> <pid> <exit-code> <signal>               child reaped (exit-code -1 when signalled);
 *                                                        sent exactly once per P, after its answer
 *        U <utime-us> <stime-us> <maxrss-kb> <child-utime-us> <child-stime-us> <child-maxrss-kb>
 *        ? <text>                                        malformed request
 * On stdin EOF: SIGKILL every child, reap for at most --reap-ms (default 2000), exit.
 */
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
#include <sys/prctl.h>
#endif

enum stage { ST_FORK, ST_STAT, ST_SETUID, ST_OPENDIR, ST_READDIR, ST_STATFS };
static const char *const stage_names[] = { "fork", "stat", "setuid", "opendir", "readdir", "statfs" };

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
};

static struct probe *probes;
static size_t nprobes, cap_probes;
static int sig_pipe[2] = { -1, -1 };
static int ans_pipe[2] = { -1, -1 };

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

/* Drop to the owner: supplementary groups, then gid, then uid (the order setuid(2) requires), then check
 * that root cannot be regained. */
static int drop_to(uid_t uid, gid_t fallback_gid) {
  struct passwd *pw = getpwuid(uid);
  gid_t gid = pw ? pw->pw_gid : fallback_gid;
  if (pw ? initgroups(pw->pw_name, pw->pw_gid) : setgroups(0, NULL)) return errno;
  if (setgid(gid)) return errno;
  if (setuid(uid)) return errno;
  if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) return EPERM;
  if (uid != 0 && setuid(0) == 0) return EPERM;
  return 0;
}

static void child_probe(const char *path, int as_owner, pid_t server) {
  struct answer a;
  struct stat st;
  struct statvfs vf;
  DIR *dir;
  struct dirent *de;

  memset(&a, 0, sizeof a);
  close(STDIN_FILENO);
  close(STDOUT_FILENO); /* the protocol pipe: a stuck child must not hold it open */
  close(sig_pipe[0]);
  close(sig_pipe[1]);
  close(ans_pipe[0]);
  signal(SIGCHLD, SIG_DFL);
  child_death_signal(server);

  if (stat(path, &st)) child_fail(&a, ST_STAT, errno);
  a.mode = st.st_mode & 07777;
  a.uid = st.st_uid;
  a.gid = st.st_gid;
  if (as_owner && geteuid() == 0) {
    int err = drop_to(st.st_uid, st.st_gid);
    if (err) child_fail(&a, ST_SETUID, err);
    child_death_signal(server);
  }
  /* As the owner (root included, whom the kernel would let through), the seed's rule: the owner's own
   * mode bits must allow reading and searching the directory. */
  if (geteuid() == st.st_uid && (st.st_mode & (S_IRUSR | S_IXUSR)) != (S_IRUSR | S_IXUSR)) {
    a.kind = 'D';
    child_answer(&a);
  }
  dir = opendir(path);
  if (!dir) child_fail(&a, ST_OPENDIR, errno);
  for (;;) {
    errno = 0;
    de = readdir(dir);
    if (!de) {
      if (errno) child_fail(&a, ST_READDIR, errno);
      break;
    }
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) a.entries++;
  }
  /* fstatvfs on the listed directory: the same object, no second path walk. */
  if (fstatvfs(dirfd(dir), &vf)) child_fail(&a, ST_STATFS, errno);
  a.frsize = vf.f_frsize ? vf.f_frsize : vf.f_bsize;
  a.blocks = vf.f_blocks;
  a.bfree = vf.f_bfree;
  a.bavail = vf.f_bavail;
  a.files = vf.f_files;
  a.ffree = vf.f_ffree;
  a.kind = 'O';
  child_answer(&a);
}

/* ---- the server ---- */

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

static void start_probe(unsigned long long id, long long timeout_ms, int as_owner, const char *hex) {
  size_t n = strlen(hex);
  char path[PATH_MAX + 1];
  struct probe *p;
  pid_t pid, server = getpid();

  if (n == 0 || n % 2 || n / 2 > PATH_MAX) {
    printf("? bad path for %llu\nE %llu 0 0 %d fork\nX %llu 0 -1 0\n", id, id, ENAMETOOLONG, id);
    return;
  }
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0 || (hi | lo) == 0) {
      printf("? bad path for %llu\nE %llu 0 0 %d fork\nX %llu 0 -1 0\n", id, id, EINVAL, id);
      return;
    }
    path[i] = (char)(hi * 16 + lo);
  }
  path[n / 2] = 0;

  if (nprobes == cap_probes) {
    size_t cap = cap_probes ? cap_probes * 2 : 64;
    struct probe *np = realloc(probes, cap * sizeof *np);
    if (!np) {
      printf("E %llu 0 0 %d fork\nX %llu 0 -1 0\n", id, ENOMEM, id);
      return;
    }
    probes = np;
    cap_probes = cap;
  }
  p = &probes[nprobes];
  p->id = id;
  p->answered = 0;
  p->start_ns = now_ns();
  p->deadline_ns = p->start_ns + timeout_ms * 1000000LL;
  pid = fork();
  if (pid < 0) {
    printf("E %llu 0 0 %d fork\nX %llu 0 -1 0\n", id, errno, id);
    return;
  }
  if (pid == 0) child_probe(path, as_owner, server);
  p->pid = pid;
  nprobes++;
  printf("S %llu %ld\n", id, (long)pid);
}

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
        printf("O %llu %ld %lld %llu %o %llu %llu %llu %llu %llu %llu %llu %llu\n", p->id, (long)a.pid,
               latency_us(p), a.entries, a.mode, a.uid, a.gid, a.frsize, a.blocks, a.bfree, a.bavail,
               a.files, a.ffree);
      else if (a.kind == 'D')
        printf("D %llu %ld %lld %o %llu\n", p->id, (long)a.pid, latency_us(p), a.mode, a.uid);
      else
        printf("E %llu %ld %lld %d %s\n", p->id, (long)a.pid, latency_us(p), a.err,
               stage_names[a.stage >= 0 && a.stage <= ST_STATFS ? a.stage : 0]);
    }
    memmove(buf, buf + off, have - off);
    have -= off;
  }
}

static void reap(void) {
  char c[64];
  while (read(sig_pipe[0], c, sizeof c) > 0) {
  }
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    /* The child wrote its answer before exiting, so it is in the pipe now: read it before the reap. */
    drain_answers();
    struct probe *p = find_pid(pid);
    if (!p) continue;
    if (!p->answered) /* died without answering (killed from outside, or crashed) */
      printf("E %llu %ld %lld %d fork\n", p->id, (long)pid, latency_us(p), ECHILD);
    if (WIFSIGNALED(status))
      printf("X %llu %ld -1 %d\n", p->id, (long)pid, WTERMSIG(status));
    else
      printf("X %llu %ld %d 0\n", p->id, (long)pid, WEXITSTATUS(status));
    *p = probes[--nprobes];
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
  if (strcmp(line, "R") == 0) {
    report_usage();
    return;
  }
  if (sscanf(line, "P %llu %lld %d %n", &id, &timeout_ms, &as_owner, &used) == 3 && used > 0 && timeout_ms >= 0) {
    start_probe(id, timeout_ms, as_owner != 0, line + used);
    return;
  }
  printf("? unknown request (%.40s)\n", line);
}

/* Reads what stdin has; returns 0 on EOF or error. */
static int read_requests(void) {
  static char buf[2 * PATH_MAX + 256];
  static size_t have;
  ssize_t r = read(STDIN_FILENO, buf + have, sizeof buf - have);
  if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return 0;
  if (r < 0) return 1;
  have += (size_t)r;
  size_t start = 0;
  for (size_t i = 0; i < have; i++) {
    if (buf[i] != '\n') continue;
    buf[i] = 0;
    handle_line(buf + start);
    start = i + 1;
  }
  memmove(buf, buf + start, have - start);
  have -= start;
  if (have == sizeof buf) { /* a line longer than any valid request: drop it */
    printf("? request too long\n");
    have = 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  long long reap_ms = 2000, shutdown_ns = -1;
  int stdin_open = 1;
  struct sigaction sa;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--reap-ms") == 0 && i + 1 < argc) reap_ms = atoll(argv[++i]);

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

  printf("V 1 %ld\n", (long)getpid());
  fflush(stdout);
  for (;;) {
    long long now = now_ns(), next = -1;
    struct pollfd fds[3];
    int nfds = 0, timeout;

    for (size_t i = 0; i < nprobes; i++) {
      struct probe *p = &probes[i];
      if (p->answered || shutdown_ns >= 0) continue;
      if (p->deadline_ns <= now) {
        drain_answers(); /* an answer that arrived in time is not misreported as hung */
        if (p->answered) continue;
        kill(p->pid, SIGKILL);
        p->answered = 1;
        printf("H %llu %ld %lld\n", p->id, (long)p->pid, latency_us(p));
      } else if (next < 0 || p->deadline_ns < next) {
        next = p->deadline_ns;
      }
    }
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
    drain_answers();
    reap();
    if (stdin_open && fds[0].revents && !read_requests()) stdin_open = 0;
    if (!stdin_open && shutdown_ns < 0) {
      for (size_t i = 0; i < nprobes; i++) kill(probes[i].pid, SIGKILL);
      shutdown_ns = now_ns() + reap_ms * 1000000LL;
    }
  }
  fflush(stdout);
  return 0;
}
