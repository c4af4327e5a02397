/*
 * What the parts of msm-prober share (msm-prober.c has the overview and the protocol):
 *   msm-prober.c     the prober: requests, the worker pool, deadlines, answers, reaps
 *   probe.c          the probe itself, run in a probe child (fork per probe) or in a worker
 *   identities.c     owners' groups, looked up by a resolver child, never by the prober
 */
#ifndef MSM_PROBER_H
#define MSM_PROBER_H

#include <sys/types.h>

enum stage { ST_FORK, ST_STAT, ST_SETUID, ST_OPENDIR, ST_READDIR, ST_STATFS, ST_MOUNT };
extern const char *const stage_names[];

/* What a probe writes to the shared answer pipe: one write of sizeof(struct answer) <= PIPE_BUF bytes,
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

/* One probe's request but its id, timeout and path. */
struct request {
  /* What the mount table says the path leads to: the mount id (mountinfo field 1, -1 when unknown) and
   * the filesystem's device (field 3), for kernels whose statx(2) has no STATX_MNT_ID (before 5.8). */
  long long mnt_id;
  int has_dev;
  dev_t dev;
  /* Switch to the mountpoint's owner before listing (needs root). */
  int as_owner;
  /* A user's own FUSE mount (user_id=, group_id=): probed as that user from the first call, because the
   * kernel lets no one else in, root included (fs/fuse/dir.c fuse_allow_current_process() wants uid,
   * euid, suid, gid, egid and sgid all equal to the mount's): a full switch, so never in a worker. */
  int as_user;
  uid_t user_uid;
  gid_t user_gid;
};

/* ---- msm-prober.c ---- */
long long now_ns(void);
int set_flags(int fd);
/* In a child just forked: closes every descriptor of the prober's (the protocol pipes, the resolver's,
 * the workers' request pipes, the go pipe) but the answer pipe's write end and `keep`. */
void close_prober_fds(int keep);
extern int ans_pipe[2];

/* ---- probe.c ---- */
extern int openat2_missing; /* --no-openat2, or ENOSYS seen */
/* Whether this system can run workers: probes that switch only their filesystem identity (setfsuid). */
int workers_possible(void);
/* A probe child's life: waits on `go_fd` for its start (see report_batch()), probes, answers, exits. */
_Noreturn void child_main(const char *path, const struct request *rq, int go_fd, pid_t prober);
/* A worker's life: probes what it reads from `req_fd`, one at a time, until EOF. */
_Noreturn void worker_main(int req_fd, pid_t prober);
/* A request on a worker's pipe: this header, then path_len bytes of path (no NUL). */
struct wire {
  int kind; /* 'P' */
  unsigned int path_len;
  struct request rq;
};

/* ---- identities.c ---- */
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
const struct ident *ident_find(uid_t uid);
struct ident *ident_slot(uid_t uid);
/* Asks the resolver about uid unless its answer is fresh or a question is out. Never waits. */
void ident_ask(uid_t uid);
/* Reads the resolver's answers; kills a resolver that owes one too long. */
void resolver_poll(long long now);
/* When the resolver must have answered by (for the prober's poll timeout), or -1. */
long long resolver_due(void);
void resolver_stop(long long ban_until);
extern int resolver_in, resolver_out;

#endif
