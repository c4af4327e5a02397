/*
 * msm-prober: the prober of Mount Status Monitor.
 *
 * The Node helper spawns this once and writes requests on its stdin. Each probe opens the mountpoint (as
 * root, following no symlink), checks that it opened the mount the table names, switches to the owner,
 * lists the directory and reads statvfs (msm-prober/probe.c). The prober itself never touches a path,
 * never calls NSS (owners' groups come from a resolver child: msm-prober/identities.c), and never blocks
 * on a child: it poll()s stdin, a SIGCHLD self-pipe and one shared answer pipe, with the nearest
 * deadline as timeout.
 *
 * Who probes. On Linux, workers: long-lived children, each probing one mount after another and
 * switching only its filesystem identity to each owner (setfsuid), a few µs a probe where a fork costs a
 * few hundred. One probe at a time per worker, from one queue; a probe unanswered after LAG_NS (100 ms)
 * keeps its worker to itself, which from then on is that probe's own child, and the queue goes on with
 * the others (forked on demand), so a hung mount delays the rest by at most the lag. Elsewhere, with
 * --fork-per-probe, and for a user's own FUSE mount (which needs that user for good), a child per probe.
 *
 * At a deadline the prober sends SIGKILL to the probe's process and reports "hung" at once; the reap is
 * reported separately, possibly much later (a process blocked on a FUSE request its daemon already read
 * stays in D state after SIGKILL until the daemon answers: Documentation/filesystems/fuse.rst,
 * "Interrupting filesystem operations"), and until then the client keeps that mount "stuck".
 *
 * Protocol (lines; numbers in decimal; paths hex-encoded because they may hold any byte but NUL):
 *   in : P <id> <timeout-ms> <as-owner 0|1> <as-user uid:gid|-> <mount-id|-1> <major:minor|-> <hex-path>
 *                                                        start a probe of the mount with that id (and
 *                                                        device) in /proc/self/mountinfo (-1/- unknown),
 *                                                        as that user from the start (a user's FUSE
 *                                                        mount) or, as-owner, as the mountpoint's owner;
 *                                                        timeout at most a day
 *        R                                               report rusage (self and reaped children): the
 *                                                        idle workers are retired first, so their CPU
 *                                                        is counted (for the benchmark)
 *        Y                                               answered Y at once: the client's watchdog
 *   out: V <version> <prober-pid>                        banner, once at start: PROTOCOL_VERSION below;
 *                                                        the client refuses a binary of another version
 *        S <id> <pid> [<id> <pid>]...                    the process (child or worker) each probe of a
 *                                                        batch went to, one line per batch; no probe
 *                                                        starts before its S line is written
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
 *        X <id> <pid> <exit-code> <signal>               its process reaped (exit-code -1 when signalled)
 *        U <utime-us> <stime-us> <maxrss-kb> <child-utime-us> <child-stime-us> <child-maxrss-kb>
 *        Y                                               alive (the answer to Y)
 *        M                                               the mount table changed (a mount or unmount in
 *                                                        our mount namespace: /proc/self/mountinfo polled
 *                                                        for POLLPRI, proc(5)); the client reads it again
 *        ? <text>                                        a malformed request, or a warning the client
 *                                                        logs (workers die as they start: a child per
 *                                                        probe from now on)
 * Exactly one answer (O, D, E or H) and exactly one reap per P, the reap never before the answer. When the
 * child was already reaped as its answer is read (the usual case), the reap rides on the answer line as
 * its two trailing fields and no X line follows: half the lines to write and parse. A probe a worker
 * answered is over with its answer: "0 0" rides on it. Output is written
 * with one write(2) per loop iteration (stdout is fully buffered, flushed before poll).
 * Usage: msm-prober [--reap-ms N] [--no-openat2] [--fork-per-probe]. On stdin EOF: SIGKILL every child,
 * reap for at most --reap-ms (default 2000, at most 60000), exit. --no-openat2 makes probes use the
 * component walk that kernels before 5.6 get, --fork-per-probe what systems without setfsuid get (tests).
 */
#define _GNU_SOURCE
#include "msm-prober/prober.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/sysmacros.h>
#endif

#define MAX_TIMEOUT_MS (24LL * 3600 * 1000) /* a probe's timeout: a day is already absurd */
#define MAX_REAP_MS 60000LL
#define LAG_NS (100LL * 1000000)              /* unanswered this long, a probe keeps its worker to itself */
#define SPAWN_AFTER_NS (2LL * 1000000)        /* probes waiting and every worker this long on its probe: one more */
#define WORKER_LIFE_NS (60LL * 1000000000LL)  /* an idle worker older than this is retired (fresh identities) */
#define MAX_WORKERS 64
#ifndef PROTOCOL_VERSION
#define PROTOCOL_VERSION 6 /* the V banner; native-protocol.ts has the same number (a test builds another) */
#endif

/* ---- the one emitter: every protocol line goes out here ---- */

/* To stdout, fully buffered: the loop flushes once per iteration, so a sweep's lines are one write(2). */
__attribute__((format(printf, 1, 2))) static void emit(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
}

/* The one answer of a probe no process ran for (fork failed, or a bad request): pid 0, reap "-1 0". */
static void emit_no_child(unsigned long long id, int err) {
  emit("E %llu 0 0 %d fork -1 0\n", id, err);
}

/* A request that cannot be probed: a ? line for the client's log, then its one answer. */
static void emit_refused(unsigned long long id, const char *why, int err) {
  emit("? %s for %llu\n", why, id);
  emit_no_child(id, err);
}

/* ---- the tables ---- */

/* A probe: queued (no process yet), running in a pool worker, or in a process of its own (a probe child,
 * or a worker left to it). Slots are reused through a free list, so an index stays valid. */
struct probe {
  unsigned long long id;
  pid_t pid;    /* 0 while queued */
  int worker;   /* index in workers[] while a pool worker runs it, else -1 */
  int in_use, queued, answered, reaped, status;
  long long start_ns, deadline_ns, timeout_ms;
  struct request rq;
  char *path; /* kept while queued */
  unsigned int path_len;
  int next_free;
};
static struct probe *probes;
static int cap_probes, free_probe = -1, live_probes;

enum wstate { W_FREE, W_IDLE, W_BUSY, W_RETIRING };
struct worker {
  enum wstate state;
  pid_t pid;
  int req_fd;
  int probe;  /* while busy */
  int probed; /* answered at least once */
  long long born_ns, busy_ns;
};
static struct worker workers[MAX_WORKERS];
static int use_workers, min_workers;
static int stillborn_workers; /* workers in a row that died before answering anything */
static int usage_wanted; /* an R is waiting for the pool to retire (its CPU then counts as reaped) */

/* Queued probes, oldest first: a ring of probe indices. */
static int *queue;
static size_t queue_cap, queue_head, queue_len;

/* pid -> probe index, for answers and reaps: open addressing, backward-shift deletion. */
static struct { pid_t pid; int probe; } *pidmap;
static size_t pidmap_cap, pidmap_len;

/* The earliest deadline among running unanswered probes, or -1: the deadline scan runs only when it is
 * due, not on every loop iteration. It may be stale-early (its probe answered meanwhile); a stale value
 * only costs one extra scan. */
static long long next_deadline_ns = -1;
static int sig_pipe[2] = { -1, -1 };
int ans_pipe[2] = { -1, -1 };
static int go_pipe[2] = { -1, -1 }; /* see report_batch() */

long long now_ns(void) {
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

int set_flags(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -1;
  return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static size_t pid_hash(pid_t pid) { return ((size_t)pid * 2654435761u) & (pidmap_cap - 1); }

static int pid_find(pid_t pid) {
  if (pidmap_cap == 0) return -1;
  for (size_t i = pid_hash(pid);; i = (i + 1) & (pidmap_cap - 1)) {
    if (pidmap[i].pid == 0) return -1;
    if (pidmap[i].pid == pid) return pidmap[i].probe;
  }
}

static int pid_put(pid_t pid, int probe) {
  if (2 * (pidmap_len + 1) > pidmap_cap) {
    size_t old_cap = pidmap_cap, cap = old_cap ? old_cap * 2 : 256;
    void *old = pidmap, *table = calloc(cap, sizeof *pidmap);
    if (!table) return -1;
    pidmap = table;
    pidmap_cap = cap;
    pidmap_len = 0;
    for (size_t i = 0; i < old_cap; i++) {
      struct { pid_t pid; int probe; } *e = (void *)((char *)old + i * sizeof *pidmap);
      if (e->pid) pid_put(e->pid, e->probe);
    }
    free(old);
  }
  size_t i = pid_hash(pid);
  while (pidmap[i].pid != 0 && pidmap[i].pid != pid) i = (i + 1) & (pidmap_cap - 1);
  if (pidmap[i].pid == 0) pidmap_len++;
  pidmap[i].pid = pid;
  pidmap[i].probe = probe;
  return 0;
}

static void pid_drop(pid_t pid) {
  if (pidmap_cap == 0) return;
  size_t i = pid_hash(pid);
  while (pidmap[i].pid != pid) {
    if (pidmap[i].pid == 0) return;
    i = (i + 1) & (pidmap_cap - 1);
  }
  pidmap[i].pid = 0;
  pidmap_len--;
  /* Backward shift: move up every later entry of the run that may no longer be found past the hole. */
  for (size_t j = (i + 1) & (pidmap_cap - 1); pidmap[j].pid != 0; j = (j + 1) & (pidmap_cap - 1)) {
    size_t home = pid_hash(pidmap[j].pid);
    if (((j - home) & (pidmap_cap - 1)) >= ((j - i) & (pidmap_cap - 1))) {
      pidmap[i] = pidmap[j];
      pidmap[j].pid = 0;
      i = j;
    }
  }
}

static int probe_new(void) {
  if (free_probe < 0) {
    int cap = cap_probes ? cap_probes * 2 : 256;
    struct probe *grown = realloc(probes, (size_t)cap * sizeof *grown);
    if (!grown) return -1;
    probes = grown;
    for (int i = cap - 1; i >= cap_probes; i--) {
      probes[i].in_use = 0;
      probes[i].next_free = free_probe;
      free_probe = i;
    }
    cap_probes = cap;
  }
  int i = free_probe;
  free_probe = probes[i].next_free;
  memset(&probes[i], 0, sizeof probes[i]);
  probes[i].in_use = 1;
  probes[i].worker = -1;
  live_probes++;
  return i;
}

static void probe_free(int i) {
  struct probe *p = &probes[i];
  if (p->pid > 0 && pid_find(p->pid) == i) pid_drop(p->pid);
  free(p->path);
  p->path = NULL;
  p->in_use = 0;
  p->next_free = free_probe;
  free_probe = i;
  live_probes--;
}

static int queue_push(int probe) {
  if (queue_len == queue_cap) {
    size_t cap = queue_cap ? queue_cap * 2 : 256;
    int *grown = malloc(cap * sizeof *grown);
    if (!grown) return -1;
    for (size_t k = 0; k < queue_len; k++) grown[k] = queue[(queue_head + k) % queue_cap];
    free(queue);
    queue = grown;
    queue_cap = cap;
    queue_head = 0;
  }
  queue[(queue_head + queue_len++) % queue_cap] = probe;
  return 0;
}

static int queue_pop(void) {
  int probe = queue[queue_head];
  queue_head = (queue_head + 1) % queue_cap;
  queue_len--;
  return probe;
}

static long long latency_us(const struct probe *p) { return (now_ns() - p->start_ns) / 1000; }

static void set_deadline(struct probe *p) {
  p->start_ns = now_ns();
  p->deadline_ns = p->start_ns + p->timeout_ms * 1000000LL;
  if (next_deadline_ns < 0 || p->deadline_ns < next_deadline_ns) next_deadline_ns = p->deadline_ns;
}

void close_prober_fds(int keep) {
  if (go_pipe[0] >= 0 && go_pipe[0] != keep) close(go_pipe[0]);
  if (go_pipe[1] >= 0) close(go_pipe[1]);
  close(STDIN_FILENO);
  close(STDOUT_FILENO); /* the protocol pipe: a stuck child must not hold it open */
  close(STDERR_FILENO); /* nor our caller's stderr: a child in D state would keep that pipe open forever */
  close(sig_pipe[0]);
  close(sig_pipe[1]);
  close(ans_pipe[0]);
  if (resolver_in >= 0) close(resolver_in);
  if (resolver_out >= 0) close(resolver_out);
  /* Another worker's request pipe held here would keep that worker from ever seeing its EOF. */
  for (int i = 0; i < MAX_WORKERS; i++)
    if (workers[i].state != W_FREE && workers[i].req_fd >= 0) close(workers[i].req_fd);
}

/* ---- the batch: children forked and probes given to workers in one loop iteration ---- */

/* Reported on one S line: the client needs each pid to watch a process that outlives a dead prober (a
 * D-state child survives even its SIGKILL) before it probes that mount again. So nothing touches a path
 * before the client can know its pid: a probe child waits for one byte on the batch's go pipe, and a
 * worker gets its request, only once the S line is out. A prober that dies first closes the go pipe,
 * and its children exit untouched (read returns 0): a probe whose pid the client never heard of never
 * started. */
static struct {
  unsigned long long id;
  pid_t pid;
  int worker; /* -1: a probe child */
} batch[256];
static size_t nbatch, nforked_in_batch;

static void send_to_worker(int w);
static void drain_answers(void);

static void report_batch(void) {
  static const char go[sizeof batch / sizeof *batch] = { 0 };
  if (nbatch == 0) return;
  emit("S");
  for (size_t i = 0; i < nbatch; i++) emit(" %llu %ld", batch[i].id, (long)batch[i].pid);
  emit("\n");
  int out = fflush(stdout) == 0;
  if (go_pipe[0] >= 0) {
    if (out) (void)!write(go_pipe[1], go, nforked_in_batch); /* < PIPE_BUF: all at once */
    close(go_pipe[0]);
    close(go_pipe[1]);
    go_pipe[0] = go_pipe[1] = -1;
  }
  for (size_t i = 0; i < nbatch; i++)
    if (out && batch[i].worker >= 0) send_to_worker(batch[i].worker);
  nbatch = nforked_in_batch = 0;
}

static void batch_add(unsigned long long id, pid_t pid, int worker) {
  batch[nbatch].id = id;
  batch[nbatch].pid = pid;
  batch[nbatch++].worker = worker;
}

/* ---- probe children: one process per probe ---- */

static void start_child(int i) {
  struct probe *p = &probes[i];
  pid_t pid, prober = getpid();
  if (nbatch == sizeof batch / sizeof *batch) report_batch(); /* before the next child joins a go pipe */
  set_deadline(p);
  if ((go_pipe[0] < 0 && pipe(go_pipe)) || (pid = fork()) < 0) {
    emit_no_child(p->id, errno);
    probe_free(i);
    return;
  }
  if (pid == 0) {
    child_main(p->path, &p->rq, go_pipe[0], prober);
    _exit(1); /* not reached: child_main() ends in _exit */
  }
  p->pid = pid;
  free(p->path);
  p->path = NULL;
  if (pid_put(pid, i)) kill(pid, SIGKILL); /* untracked it must not run: its reap reports it */
  batch_add(p->id, pid, -1);
  nforked_in_batch++;
}

/* ---- workers: long-lived children, one probe at a time each ---- */

static int pool_size(void) {
  int n = 0;
  for (int i = 0; i < MAX_WORKERS; i++) n += workers[i].state == W_IDLE || workers[i].state == W_BUSY;
  return n;
}

static int spawn_worker(void) {
  int slot = -1, req[2];
  for (int i = 0; i < MAX_WORKERS && slot < 0; i++)
    if (workers[i].state == W_FREE) slot = i;
  if (slot < 0 || pipe(req)) return -1;
  pid_t prober = getpid(), pid = fork();
  if (pid < 0) {
    close(req[0]);
    close(req[1]);
    return -1;
  }
  if (pid == 0) {
    close(req[1]);
    worker_main(req[0], prober);
  }
  close(req[0]);
  if (set_flags(req[1])) {
    close(req[1]);
    kill(pid, SIGKILL);
    return -1;
  }
  workers[slot] = (struct worker){ .state = W_IDLE, .pid = pid, .req_fd = req[1], .probe = -1, .born_ns = now_ns() };
  return slot;
}

static void retire(int w) {
  close(workers[w].req_fd); /* the worker reads EOF and exits; reap() frees the slot */
  workers[w].req_fd = -1;
  workers[w].state = W_RETIRING;
}

/* A worker whose probe has gone unanswered for LAG_NS (or reached its deadline) is left to it: from now
 * on it is that probe's own child, killed at the deadline and reaped like one, and kept "stuck" by the
 * client if it survives SIGKILL; the pool goes on without it. */
static void leave_to_probe(int w) {
  struct probe *p = &probes[workers[w].probe];
  p->worker = -1;
  close(workers[w].req_fd); /* if its probe ever returns, it reads EOF and exits */
  workers[w] = (struct worker){ .state = W_FREE, .req_fd = -1, .probe = -1 };
}

/* The pool worker w finished its probe (or never got it): back to the pool, or retired. */
static void worker_done(int w) {
  struct worker *wk = &workers[w];
  wk->probe = -1;
  wk->probed = 1;
  wk->state = W_IDLE;
  if (usage_wanted || now_ns() - wk->born_ns > WORKER_LIFE_NS) retire(w);
}

static void send_to_worker(int w) {
  struct probe *p = &probes[workers[w].probe];
  struct wire wire = { .kind = 'P', .path_len = p->path_len, .rq = p->rq };
  struct iovec iov[2] = { { &wire, sizeof wire }, { p->path, p->path_len } };
  /* One probe at a time: the pipe is empty, so the record (under 5 KB) goes in whole. */
  ssize_t n = writev(workers[w].req_fd, iov, 2);
  if (n == (ssize_t)(sizeof wire + p->path_len)) {
    free(p->path);
    p->path = NULL;
    return;
  }
  /* The worker is gone (EPIPE): its reap frees the slot; the probe goes to another worker. */
  int i = workers[w].probe;
  pid_drop(p->pid);
  p->pid = 0;
  p->worker = -1;
  p->queued = 1;
  workers[w].probe = -1;
  retire(w);
  if (queue_push(i)) {
    emit_no_child(p->id, ENOMEM);
    probe_free(i);
  }
}

/* Gives queued probes to idle workers, forking workers as needed: up to min_workers at once, more only
 * while every worker has been on its probe for SPAWN_AFTER_NS (slow mounts, not busy CPUs). Returns when
 * the next spawn check is due (-1: none). */
static long long dispatch(long long now) {
  while (queue_len > 0) {
    int w = -1;
    long long youngest = -1;
    for (int i = 0; i < MAX_WORKERS; i++) {
      if (workers[i].state == W_IDLE && now - workers[i].born_ns > WORKER_LIFE_NS) retire(i);
      if (workers[i].state == W_IDLE && w < 0) w = i;
      if (workers[i].state == W_BUSY && workers[i].busy_ns > youngest) youngest = workers[i].busy_ns;
    }
    if (w < 0) {
      int pool = pool_size();
      if (usage_wanted) return -1;
      if (pool >= min_workers && (pool >= MAX_WORKERS || now - youngest < SPAWN_AFTER_NS))
        return pool >= MAX_WORKERS ? -1 : youngest + SPAWN_AFTER_NS;
      if ((w = spawn_worker()) < 0) return now + SPAWN_AFTER_NS; /* out of processes: try again soon */
    }
    if (nbatch == sizeof batch / sizeof *batch) report_batch();
    int i = queue_pop();
    struct probe *p = &probes[i];
    p->queued = 0;
    p->pid = workers[w].pid;
    p->worker = w;
    set_deadline(p);
    pid_put(p->pid, i);
    workers[w].state = W_BUSY;
    workers[w].probe = i;
    workers[w].busy_ns = p->start_ns;
    batch_add(p->id, p->pid, w);
  }
  return -1;
}

/* Leaves each worker whose probe is past LAG_NS to that probe; returns when the next one is due. */
static long long check_lag(long long now) {
  long long next = -1;
  for (int w = 0; w < MAX_WORKERS; w++)
    if (workers[w].state == W_BUSY && workers[w].busy_ns + LAG_NS <= now) {
      drain_answers(); /* an answer already in the pipe keeps its worker in the pool */
      break;
    }
  for (int w = 0; w < MAX_WORKERS; w++) {
    if (workers[w].state != W_BUSY) continue;
    long long due = workers[w].busy_ns + LAG_NS;
    if (due <= now) leave_to_probe(w);
    else if (next < 0 || due < next) next = due;
  }
  return next;
}

/* ---- requests ---- */

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void start_probe(unsigned long long id, long long timeout_ms, const struct request *rq, const char *hex) {
  size_t n = strlen(hex);
  char *path;
  int i;

  if (n == 0 || n % 2 || n / 2 > PATH_MAX) {
    emit_refused((unsigned long long)id, "bad path", ENAMETOOLONG);
    return;
  }
  if ((path = malloc(n / 2 + 1)) == NULL || (i = probe_new()) < 0) {
    free(path);
    emit_no_child(id, ENOMEM);
    return;
  }
  for (size_t k = 0; k < n / 2; k++) {
    int hi = hexval(hex[2 * k]), lo = hexval(hex[2 * k + 1]);
    if (hi < 0 || lo < 0 || (hi | lo) == 0) {
      emit_refused((unsigned long long)id, "bad path", EINVAL);
      free(path);
      probe_free(i);
      return;
    }
    path[k] = (char)(hi * 16 + lo);
  }
  path[n / 2] = 0;
  struct probe *p = &probes[i];
  p->id = id;
  p->timeout_ms = timeout_ms;
  p->rq = *rq;
  p->path = path;
  p->path_len = (unsigned)(n / 2);
  if (rq->as_user) ident_ask(rq->user_uid);
  /* A user's own FUSE mount needs that user for good, which a worker cannot become and come back. */
  if (!use_workers || rq->as_user) {
    start_child(i);
    return;
  }
  p->queued = 1;
  if (queue_push(i)) {
    emit_no_child(id, ENOMEM);
    probe_free(i);
  }
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

static long long tv_us(struct timeval tv) { return (long long)tv.tv_sec * 1000000LL + tv.tv_usec; }

/* The U line, once no pool worker is left (R retires them, so their CPU counts among reaped children). */
static void report_usage_when_ready(void) {
  struct rusage self, kids;
  long div = 1;
  if (!usage_wanted) return;
  for (int i = 0; i < MAX_WORKERS; i++)
    if (workers[i].state != W_FREE) return;
#ifdef __APPLE__
  div = 1024; /* macOS reports ru_maxrss in bytes, Linux and FreeBSD in kilobytes (getrusage(2)) */
#endif
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  emit("U %lld %lld %ld %lld %lld %ld\n", tv_us(self.ru_utime), tv_us(self.ru_stime), self.ru_maxrss / div,
         tv_us(kids.ru_utime), tv_us(kids.ru_stime), kids.ru_maxrss / div);
  usage_wanted--;
}

/* P <id> <timeout-ms> <as-owner> <as-user> <mount-id> <dev> <hex-path>: a request whose id parses but
 * whose other fields do not still gets its one answer (EINVAL), so the client is not left waiting. */
static void handle_line(char *line) {
  long long id, timeout_ms, as_owner, mnt_id;
  unsigned a = 0, b = 0;
  int present = 0;
  char *s = line + 2;
  struct request rq;
  memset(&rq, 0, sizeof rq);
  if (strcmp(line, "R") == 0) {
    usage_wanted++;
    for (int i = 0; i < MAX_WORKERS; i++)
      if (workers[i].state == W_IDLE) retire(i);
    return;
  }
  if (strcmp(line, "Y") == 0) { /* the client's watchdog: are you there? */
    emit("Y\n");
    return;
  }
  if (strncmp(line, "P ", 2) || field_num(&s, 0, LLONG_MAX, &id)) {
    emit("? unknown request (%.40s)\n", line);
    return;
  }
  int bad = field_num(&s, 0, MAX_TIMEOUT_MS, &timeout_ms) || field_num(&s, 0, 1, &as_owner) ||
            field_pair(&s, &a, &b, &present);
  rq.as_owner = (int)as_owner;
  rq.as_user = present;
  rq.user_uid = a;
  rq.user_gid = b;
  if (bad || field_num(&s, -1, LLONG_MAX, &mnt_id) || field_pair(&s, &a, &b, &present)) {
    emit_refused((unsigned long long)id, "bad request", EINVAL);
    return;
  }
  rq.mnt_id = mnt_id;
  rq.has_dev = present;
  if (present) rq.dev = makedev(a, b);
  start_probe((unsigned long long)id, timeout_ms, &rq, s);
}

/* A request line that does not fit the buffer: it still gets its one answer, ENAMETOOLONG (stat(2) would
 * say the same), so the client is not left waiting for it. */
static void too_long(const char *start, size_t len) {
  char head[64];
  unsigned long long id;
  size_t n = len < sizeof head - 1 ? len : sizeof head - 1;
  memcpy(head, start, n);
  head[n] = 0;
  if (sscanf(head, "P %llu ", &id) == 1)
    emit_refused((unsigned long long)id, "request too long", ENAMETOOLONG);
  else
    emit("? request too long\n");
}

/* Reads what stdin has (a sweep's requests arrive in one write: a big buffer takes them in few reads);
 * returns 0 on EOF or error. */
static int read_requests(void) {
  static char buf[65536];
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

/* ---- answers and reaps ---- */

/* The reap's two trailing fields, or nothing when the process has not been reaped yet. A probe a pool
 * worker answered is over as it answers: "0 0", as for a child that exited 0. */
static void print_reap_fields(const struct probe *p) {
  if (p->worker >= 0)
    emit(" 0 0");
  else if (!p->reaped)
    return;
  else if (WIFSIGNALED(p->status))
    emit(" -1 %d", WTERMSIG(p->status));
  else
    emit(" %d 0", WEXITSTATUS(p->status));
}

/* Reads every answer in the pipe and prints it. A probe whose process was reaped (p->reaped, set by
 * reap() just before) or a pool worker's goes out with its reap and is done. */
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
      int i = pid_find(a.pid);
      if (i < 0) continue;
      struct probe *p = &probes[i];
      if (p->answered) continue; /* already reported hung: a late answer is not a success */
      p->answered = 1;
      if (a.kind == 'O')
        emit("O %llu %ld %lld %llu %o %llu %llu %llu %llu %llu %llu %llu %llu", p->id, (long)a.pid,
               latency_us(p), a.entries, a.mode, a.uid, a.gid, a.frsize, a.blocks, a.bfree, a.bavail,
               a.files, a.ffree);
      else if (a.kind == 'D')
        emit("D %llu %ld %lld %o %llu", p->id, (long)a.pid, latency_us(p), a.mode, a.uid);
      else
        emit("E %llu %ld %lld %d %s", p->id, (long)a.pid, latency_us(p), a.err,
               stage_names[a.stage >= 0 && a.stage <= ST_MOUNT ? a.stage : 0]);
      print_reap_fields(p);
      emit("\n");
      if (a.uid != 0) ident_ask((uid_t)a.uid); /* the next probe of a mount of theirs needs no lookup */
      if (p->worker >= 0) {
        int w = p->worker;
        probe_free(i);
        worker_done(w);
      } else if (p->reaped) {
        probe_free(i); /* its reap went out with the answer */
      }
    }
    memmove(buf, buf + off, have - off);
    have -= off;
  }
}

/* Reaps every child that has exited (a loop of waitpid(WNOHANG): one SIGCHLD may stand for many), then
 * reads the answers, which those children wrote before exiting, so each goes out with its reap on one
 * line; then reports the reaps of probes answered earlier (hung, or answered in an earlier iteration),
 * and the ends of workers. */
static void reap(void) {
  static int *reaped;
  static size_t nreaped, cap_reaped;
  static pid_t dead_workers[MAX_WORKERS];
  static int dead_status[MAX_WORKERS];
  size_t ndead = 0;
  char c[64];
  while (read(sig_pipe[0], c, sizeof c) > 0) {
  }
  nreaped = 0;
  for (;;) {
    int status, w = -1;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    for (int k = 0; k < MAX_WORKERS && w < 0; k++)
      if (workers[k].state != W_FREE && workers[k].pid == pid) w = k;
    if (w >= 0) {
      dead_workers[ndead] = pid;
      dead_status[ndead++] = status;
      continue;
    }
    int i = pid_find(pid);
    if (i < 0) continue; /* the resolver, or a worker retired and already forgotten */
    if (nreaped == cap_reaped) {
      size_t cap = cap_reaped ? cap_reaped * 2 : 64;
      int *grown = realloc(reaped, cap * sizeof *grown);
      if (!grown) { /* no room to remember it: report it now, on its own line */
        drain_answers();
        if ((i = pid_find(pid)) < 0) continue;
        probes[i].reaped = 1;
        probes[i].status = status;
        if (!probes[i].answered) emit("E %llu %ld %lld %d fork\n", probes[i].id, (long)pid, latency_us(&probes[i]), ECHILD);
        emit("X %llu %ld", probes[i].id, (long)pid);
        print_reap_fields(&probes[i]);
        emit("\n");
        probe_free(i);
        continue;
      }
      reaped = grown;
      cap_reaped = cap;
    }
    probes[i].reaped = 1;
    probes[i].status = status;
    reaped[nreaped++] = i;
  }
  drain_answers();
  for (size_t k = 0; k < ndead; k++) {
    int w = -1;
    for (int j = 0; j < MAX_WORKERS && w < 0; j++)
      if (workers[j].state != W_FREE && workers[j].pid == dead_workers[k]) w = j;
    if (w < 0) continue;
    if (workers[w].state == W_BUSY) { /* died on its probe without answering (killed, or crashed) */
      int i = workers[w].probe;
      struct probe *p = &probes[i];
      p->worker = -1;
      p->reaped = 1;
      p->status = dead_status[k];
      emit("E %llu %ld %lld %d fork", p->id, (long)p->pid, latency_us(p), ECHILD);
      print_reap_fields(p);
      emit("\n");
      probe_free(i);
    }
    /* Workers that die before they probe anything (a system that refuses them: no setgroups, say)
     * would be forked again and again: after a few, every probe gets a child of its own. */
    if (!workers[w].probed && workers[w].state != W_RETIRING && ++stillborn_workers >= 3 && use_workers) {
      use_workers = 0;
      emit("? workers die as they start: a child per probe from now on\n");
      while (queue_len > 0) {
        int i = queue_pop();
        probes[i].queued = 0;
        start_child(i);
      }
    }
    if (workers[w].probed) stillborn_workers = 0;
    if (workers[w].req_fd >= 0) close(workers[w].req_fd);
    workers[w] = (struct worker){ .state = W_FREE, .req_fd = -1, .probe = -1 };
  }
  for (size_t k = 0; k < nreaped; k++) {
    int i = reaped[k];
    struct probe *p = &probes[i];
    if (!p->in_use || !p->reaped) continue; /* reported with its answer */
    if (!p->answered) /* died without answering (killed from outside, or crashed) */
      emit("E %llu %ld %lld %d fork", p->id, (long)p->pid, latency_us(p), ECHILD);
    else
      emit("X %llu %ld", p->id, (long)p->pid);
    print_reap_fields(p);
    emit("\n");
    probe_free(i);
  }
  report_usage_when_ready();
}

/* SIGKILL and "hung" for every running probe past its deadline; sets next_deadline_ns to the next one. */
static void check_deadlines(long long now) {
  if (next_deadline_ns < 0 || next_deadline_ns > now) return;
  next_deadline_ns = -1;
  drain_answers(); /* an answer that arrived in time is not misreported as hung */
  for (int i = 0; i < cap_probes; i++) {
    struct probe *p = &probes[i];
    if (!p->in_use || p->queued || p->answered) continue;
    if (p->deadline_ns <= now) {
      if (p->worker >= 0) leave_to_probe(p->worker); /* a timeout shorter than the lag */
      kill(p->pid, SIGKILL);
      p->answered = 1;
      emit("H %llu %ld %lld\n", p->id, (long)p->pid, latency_us(p));
    } else if (next_deadline_ns < 0 || p->deadline_ns < next_deadline_ns) {
      next_deadline_ns = p->deadline_ns;
    }
  }
}

static long long earliest(long long a, long long b) { return a < 0 ? b : b < 0 ? a : a < b ? a : b; }

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
  int stdin_open = 1, fork_per_probe = 0;
  struct sigaction sa;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reap-ms") == 0 && i + 1 < argc) {
      if (parse_reap_ms(argv[++i], &reap_ms)) {
        fprintf(stderr, "msm-prober: --reap-ms takes 0 to %lld milliseconds, not %s\n", MAX_REAP_MS, argv[i]);
        return 2;
      }
    } else if (strcmp(argv[i], "--no-openat2") == 0) {
      openat2_missing = 1;
    } else if (strcmp(argv[i], "--fork-per-probe") == 0) {
      fork_per_probe = 1;
    } else {
      fprintf(stderr, "msm-prober: unknown argument %s (usage: msm-prober [--reap-ms N] [--no-openat2] [--fork-per-probe])\n", argv[i]);
      return 2;
    }
  }
  use_workers = workers_possible() && !fork_per_probe;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  min_workers = cpus < 2 ? 2 : cpus > 8 ? 8 : (int)cpus;
  for (int i = 0; i < MAX_WORKERS; i++) workers[i] = (struct worker){ .state = W_FREE, .req_fd = -1, .probe = -1 };

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
  /* A stop signal sent to the helper's whole process group or cgroup (systemctl stop, timeout(1),
   * Ctrl-C) is for the helper, which then stops us in order (stdin EOF); dying first would read as a
   * lost prober. Our children inherit this; they end by SIGKILL or with us anyway. */
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGCHLD, &sa, NULL)) {
    perror("msm-prober: sigaction(SIGCHLD)");
    return 1;
  }

  /* The kernel marks an open mountinfo POLLPRI|POLLERR once per change of the mount table (proc(5),
   * /proc/[pid]/mounts; fs/proc_namespace.c mounts_poll() re-arms itself), so the client can read the
   * table when it changed rather than every second. Never read: polling it costs nothing. */
  int table_fd = -1;
#ifdef __linux__
  table_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
#endif

  emit("V %d %ld\n", PROTOCOL_VERSION, (long)getpid());
  fflush(stdout);
  for (;;) {
    long long now = now_ns(), next = -1;
    struct pollfd fds[5];
    int nfds = 0, timeout, stdin_at = -1, table_at = -1;

    if (shutdown_ns < 0) {
      check_deadlines(now);
      check_lag(now);
      long long spawn_due = dispatch(now);
      /* After dispatch: the probes it started have deadlines and lags of their own. */
      next = earliest(earliest(next_deadline_ns, check_lag(now)), spawn_due);
    } else {
      if (live_probes == 0 || now >= shutdown_ns) break;
      next = shutdown_ns;
    }
    report_batch();
    next = earliest(next, resolver_due());
    if (fflush(stdout) == EOF && errno == EPIPE && shutdown_ns < 0) stdin_open = 0; /* reader gone */
    timeout = next < 0 ? -1 : next <= now ? 0 : (int)((next - now + 999999) / 1000000);

    if (stdin_open) {
      stdin_at = nfds;
      fds[nfds++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
    }
    fds[nfds++] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
    fds[nfds++] = (struct pollfd){ .fd = ans_pipe[0], .events = POLLIN };
    if (resolver_out >= 0) fds[nfds++] = (struct pollfd){ .fd = resolver_out, .events = POLLIN };
    if (table_fd >= 0 && shutdown_ns < 0) {
      table_at = nfds;
      fds[nfds++] = (struct pollfd){ .fd = table_fd, .events = POLLPRI };
    }
    if (stdin_open || timeout != 0) {
      if (poll(fds, (nfds_t)nfds, timeout) < 0 && errno != EINTR) {
        perror("msm-prober: poll");
        break;
      }
    }
    reap(); /* drains the answer pipe too */
    resolver_poll(now_ns());
    if (table_at >= 0 && (fds[table_at].revents & (POLLPRI | POLLERR))) emit("M\n");
    if (stdin_at >= 0 && fds[stdin_at].revents && !read_requests()) stdin_open = 0;
    report_usage_when_ready();
    if (!stdin_open && shutdown_ns < 0) {
      /* The client is gone: SIGKILL every process, forget what was queued, reap for at most --reap-ms. */
      report_batch();
      while (queue_len > 0) probe_free(queue_pop());
      for (int i = 0; i < cap_probes; i++)
        if (probes[i].in_use && probes[i].pid > 0) kill(probes[i].pid, SIGKILL);
      for (int w = 0; w < MAX_WORKERS; w++)
        if (workers[w].state != W_FREE) kill(workers[w].pid, SIGKILL);
      if (resolver_in >= 0) resolver_stop(0);
      shutdown_ns = now_ns() + reap_ms * 1000000LL;
    }
  }
  fflush(stdout);
  return 0;
}
