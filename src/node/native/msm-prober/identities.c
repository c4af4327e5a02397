/*
 * Owners' identities for msm-prober: a user's gid and supplementary groups, looked up by a resolver child
 * and kept by the prober (see prober.h).
 */
#define _GNU_SOURCE
#include "prober.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* A user's gid and supplementary groups (what initgroups(3) would set), as the resolver child found them
 * through NSS. The prober keeps them in this table and never calls NSS itself: a hung LDAP or sssd group
 * source would otherwise stall the loop that enforces every probe's deadline. Probe children
 * and workers inherit the table at fork and switch to an owner without a lookup; an owner not in it yet
 * is looked up by the probe's process itself (which the prober's deadline covers), and asked of the
 * resolver for next time. Entries are asked again after IDENT_REFRESH_NS, the old answer used meanwhile. */
#define IDENT_REFRESH_NS (60LL * 1000000000LL)
#define RESOLVER_PATIENCE_NS (10LL * 1000000000LL) /* a resolver silent this long with a question is hung */
#define RESOLVER_MAX_GROUPS 1024                    /* more: the child looks the owner up itself */

static struct ident *idents; /* open addressing on uid, capacity a power of two, at most half full */
static size_t nidents, cap_idents;

const struct ident *ident_find(uid_t uid) {
  if (cap_idents == 0) return NULL;
  for (size_t i = (uid * 2654435761u) & (cap_idents - 1);; i = (i + 1) & (cap_idents - 1)) {
    if (!idents[i].used) return NULL;
    if (idents[i].uid == uid) return &idents[i];
  }
}

/* The entry for uid, made (state ID_ASKED, never asked) if new; NULL when out of memory. */
struct ident *ident_slot(uid_t uid) {
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

/* The resolver: a child that answers "<uid>\n" with "<uid> <gid> <n> <group>...\n" (its passwd entry's gid
 * and getgrouplist(3)), "<uid> -\n" (no entry) or "<uid> +\n" (more than RESOLVER_MAX_GROUPS groups). */
static pid_t resolver_pid = -1;
int resolver_in = -1, resolver_out = -1; /* the prober's ends: questions go in, answers come out */
static size_t resolver_questions;              /* asked, not answered */
static long long resolver_waiting_since = -1;  /* since when the resolver owes an answer, or -1 */
static long long resolver_banned_until;        /* after a hung one was killed: no new one before this */

static _Noreturn void resolver_main(int in, int out) {
  static char line[64], reply[RESOLVER_MAX_GROUPS * 12 + 64];
  static gid_t groups[RESOLVER_MAX_GROUPS];
  size_t have = 0;
  for (;;) {
    ssize_t r = read(in, line + have, sizeof line - 1 - have);
    if (r <= 0) _exit(0); /* the prober closed the pipe or died */
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
      for (int off = 0; off < len;) { /* blocking: the prober reads whenever it polls */
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

void resolver_stop(long long ban_until) {
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
  pid_t prober = getpid(), pid = fork();
  if (pid < 0) {
    close(q[0]), close(q[1]), close(a[0]), close(a[1]);
    return -1;
  }
  if (pid == 0) {
    close(q[1]);
    close(a[0]);
    close_prober_fds(-1);
    close(ans_pipe[1]);
    signal(SIGCHLD, SIG_DFL);
#ifdef __linux__
    if (prctl(PR_SET_PDEATHSIG, SIGKILL)) _exit(1);
#endif
    if (getppid() != prober) _exit(1);
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

void ident_ask(uid_t uid) {
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
void resolver_poll(long long now) {
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

long long resolver_due(void) { return resolver_waiting_since < 0 ? -1 : resolver_waiting_since + RESOLVER_PATIENCE_NS; }
