// The seed's mechanism in C, as the yardstick: fork a child per mount that stats the mountpoint, drops
// to its owner, lists it and reads statvfs (the same work as our probe child), then wait for all.
// Written out and compiled at run time (never committed as a binary). With --preload-nss it looks up root
// once before forking, so its children inherit the loaded NSS modules as our prober's do: the
// remaining gap is then the rest of our design (a long-lived server, batched I/O), not that one step.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figures } from './measure.js';

const SOURCE = String.raw`
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int probe(const char *path) {
  struct stat st; struct statvfs vf; DIR *d; long n = 0;
  if (stat(path, &st)) return 1;
  if (geteuid() == 0) {
    struct passwd *pw = getpwuid(st.st_uid);
    if (pw ? initgroups(pw->pw_name, pw->pw_gid) : setgroups(0, NULL)) return 2;
    if (setgid(pw ? pw->pw_gid : st.st_gid) || setuid(st.st_uid)) return 2;
  }
  if (!(d = opendir(path))) return 3;
  while (readdir(d)) n++;
  if (fstatvfs(dirfd(d), &vf)) return 5;
  return n > 0 ? 0 : 4;
}

static long long us(struct timeval t) { return t.tv_sec * 1000000LL + t.tv_usec; }

int main(int argc, char **argv) {
  /* argv[1]: a file of NUL-terminated paths */
  if (argc > 2 && strcmp(argv[2], "--preload-nss") == 0) {
    gid_t g[16]; int ng = 16; struct passwd *pw = getpwuid(0);
    getgrouplist(pw ? pw->pw_name : "root", 0, g, &ng);
  }
  FILE *f = fopen(argv[1], "r"); static char buf[1 << 24]; size_t len = fread(buf, 1, sizeof buf, f);
  int n = 0, bad = 0; pid_t *pids = malloc(sizeof(pid_t) * len);
  struct timespec a, b; struct rusage self, kids;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (size_t off = 0; off < len; off += strlen(buf + off) + 1) {
    pid_t pid = fork();
    if (pid == 0) _exit(probe(buf + off));
    pids[n++] = pid;
  }
  for (int i = 0; i < n; i++) { int st; waitpid(pids[i], &st, 0); if (!WIFEXITED(st) || WEXITSTATUS(st)) bad++; }
  clock_gettime(CLOCK_MONOTONIC, &b);
  getrusage(RUSAGE_SELF, &self); getrusage(RUSAGE_CHILDREN, &kids);
  printf("%d %d %.3f %lld %lld %ld %ld\n", n, bad, (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6,
         us(self.ru_utime) + us(self.ru_stime), us(kids.ru_utime) + us(kids.ru_stime), self.ru_maxrss, kids.ru_maxrss);
  return bad != 0;
}
`;

/** Compiles the reference into a fresh temp dir; returns the binary's path. */
export function buildCReference(cc = process.env.CC ?? 'cc'): string {
  const dir = mkdtempSync(join(tmpdir(), 'msm-cref-'));
  writeFileSync(join(dir, 'cref.c'), SOURCE);
  const r = spawnSync(cc, ['-O2', '-o', join(dir, 'cref'), join(dir, 'cref.c')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`compiling the C reference failed: ${r.stderr}`);
  return join(dir, 'cref');
}

/** Runs the reference over `paths`; its own figures (it times just the sweep, as we do). */
export function runCReference(binary: string, paths: string[], preloadNss = false): Figures {
  const list = join(binary + '.paths');
  writeFileSync(list, Buffer.concat(paths.map((p) => Buffer.from(p + '\0'))));
  const r = spawnSync(binary, preloadNss ? [list, '--preload-nss'] : [list], { encoding: 'utf8' });
  const [n, bad, wall, selfUs, kidsUs, rss, kidRss] = r.stdout.trim().split(' ').map(Number);
  if (r.status !== 0 || n !== paths.length) throw new Error(`C reference failed (${bad} bad): ${r.stdout}${r.stderr}`);
  return {
    label: preloadNss ? 'C reference, NSS preloaded before forking' : 'C reference (seed: fork per mount)',
    count: n!,
    wallMs: wall!,
    cpuMs: (selfUs! + kidsUs!) / 1000,
    peakRssKb: rss!,
    childPeakRssKb: kidRss!,
    note: `parent ${(selfUs! / 1000).toFixed(0)} + children ${(kidsUs! / 1000).toFixed(0)} ms CPU`,
  };
}
