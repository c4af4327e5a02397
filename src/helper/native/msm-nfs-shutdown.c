/*
 * msm-nfs-shutdown: shuts down the NFS client of one mount that the helper has identified by its mount id
 * and device number, through the kernel's knob /sys/fs/nfs/MAJOR:MINOR/shutdown (Linux 6.6, fs/nfs/sysfs.c:
 * one directory per NFS superblock, named by its s_id, "major:minor"). Writing 1 fails every outstanding
 * and future request of that superblock with EIO at once, and frees the programs waiting on it; it has no
 * undo. The helper runs it as a child under a deadline, as it runs msm-unmount.
 *
 *   msm-nfs-shutdown MOUNT-ID MAJOR:MINOR
 *
 * It never touches the mountpoint: the knob is found from the device number, and the mount is identified
 * in /proc/self/mountinfo, in this order so that no other superblock can be hit:
 *  1. the knob is opened (an open sysfs file belongs to that superblock's kobject: if the superblock goes
 *     away, a write to it fails with ENODEV instead of reaching another one that got the number);
 *  2. mountinfo must still hold MOUNT-ID with device MAJOR:MINOR and type nfs or nfs4: the superblock the
 *     knob belongs to is then that mount's (a live superblock's device number is unique);
 *  3. "1" is written.
 *
 * Output, one line each on stdout: "step TEXT" as it goes, then "done shutdown" or "done already" (it was
 * shut down before), or "fail ERRNO-NAME TEXT" (ENOSYS: this kernel has no knob for it). Exit status 0
 * done, 1 fail, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __linux__
static const char *errname(int err) {
  const char *name = strerrorname_np(err);
  return name ? name : "EIO";
}

/* True when mountinfo has mount `id` on device `dev` with an NFS client type (the fields after " - "). */
static int mount_is_nfs_on(long long id, const char *dev, char fstype[64]) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return -1;
  char *line = NULL;
  size_t cap = 0;
  int found = 0;
  while (!found && getline(&line, &cap, f) > 0) {
    long long mid;
    char mdev[64];
    if (sscanf(line, "%lld %*d %63s", &mid, mdev) != 2 || mid != id) continue;
    if (strcmp(mdev, dev) != 0) break; /* the id belongs to another mount now */
    char *sep = strstr(line, " - ");
    if (sep && sscanf(sep + 3, "%63s", fstype) == 1 && (strcmp(fstype, "nfs") == 0 || strcmp(fstype, "nfs4") == 0)) found = 1;
    else if (sep) found = -2;
    break;
  }
  free(line);
  fclose(f);
  return found;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  long long id;
  unsigned major, minor;
  char extra;
  if (argc != 3 || sscanf(argv[1], "%lld%c", &id, &extra) != 1 || sscanf(argv[2], "%u:%u%c", &major, &minor, &extra) != 2) {
    fprintf(stderr, "usage: msm-nfs-shutdown MOUNT-ID MAJOR:MINOR\n");
    return 2;
  }
  char dev[32], dir[96], knob[128];
  snprintf(dev, sizeof dev, "%u:%u", major, minor);
  snprintf(dir, sizeof dir, "/sys/fs/nfs/%s", dev);
  snprintf(knob, sizeof knob, "%s/shutdown", dir);

  int fd = open(knob, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    struct stat st;
    if (err == ENOENT && stat("/sys/fs/nfs", &st) != 0)
      return printf("fail ENOSYS this kernel has no /sys/fs/nfs (no NFS client loaded), so no NFS shutdown\n"), 1;
    if (err == ENOENT && stat(dir, &st) != 0)
      return printf("fail ENOSYS this kernel has no shutdown knob for NFS superblock %s (Linux 6.6 added /sys/fs/nfs/MAJOR:MINOR/shutdown)\n", dev), 1;
    if (err == ENOENT) return printf("fail ENOSYS %s has no shutdown file (Linux 6.6 added it)\n", dir), 1;
    return printf("fail %s cannot open %s: %s\n", errname(err), knob, strerror(err)), 1;
  }
  char fstype[64] = "";
  int is = mount_is_nfs_on(id, dev, fstype);
  if (is < 0 && is != -2) return printf("fail %s cannot read /proc/self/mountinfo: %s\n", errname(errno), strerror(errno)), 1;
  if (is == -2) return printf("fail EINVAL mount %lld is %s, not an NFS client mount: refusing\n", id, fstype), 1;
  if (is == 0) return printf("fail EXDEV mount %lld on device %s is no longer in the mount table: refusing\n", id, dev), 1;
  printf("step verified mount %lld: %s on device %s\n", id, fstype, dev);

  char now[8] = "";
  ssize_t n = pread(fd, now, sizeof now - 1, 0);
  if (n > 0 && now[0] == '1') return printf("done already\n"), 0;
  if (pwrite(fd, "1", 1, 0) != 1) {
    int err = errno;
    return printf("fail %s writing 1 to %s: %s\n", errname(err), knob, strerror(err)), 1;
  }
  printf("step wrote 1 to %s\n", knob);
  return printf("done shutdown\n"), 0;
}

#else
int main(void) {
  printf("fail ENOSYS NFS shutdown is a Linux feature\n");
  return 1;
}
#endif
