// The words after an errno name, in the log, the CLI and the status window: glibc's strerror(3) wording,
// which admins know from every other tool on the box (`ls: cannot access '/mnt/x': Transport endpoint is
// not connected`), rather than libuv's paraphrases (uv_strerror says "socket is not connected" for
// ENOTCONN). The table holds the errnos a probe can meet on a sick mount.
const GLIBC: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ENAMETOOLONG: 'File name too long',
  ENOSYS: 'Function not implemented',
  ELOOP: 'Too many levels of symbolic links',
  ENOLINK: 'Link has been severed',
  EOVERFLOW: 'Value too large for defined data type',
  ECOMM: 'Communication error on send',
  EREMOTEIO: 'Remote I/O error',
  ENOTCONN: 'Transport endpoint is not connected',
  ESHUTDOWN: 'Cannot send after transport endpoint shutdown',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ECONNABORTED: 'Software caused connection abort',
  EHOSTDOWN: 'Host is down',
  EHOSTUNREACH: 'No route to host',
  ENETDOWN: 'Network is down',
  ENETUNREACH: 'Network is unreachable',
  ESTALE: 'Stale file handle',
  EREMOTE: 'Object is remote',
  EDQUOT: 'Disk quota exceeded',
  ENOMEDIUM: 'No medium found',
  EKEYEXPIRED: 'Key has expired',
  EKEYREJECTED: 'Key was rejected by service',
  ENOKEY: 'Required key not available',
  EDEADLK: 'Resource deadlock avoided',
  ENOLCK: 'No locks available',
  EOPNOTSUPP: 'Operation not supported',
  ENOTSUP: 'Operation not supported',
};

// Codes the kernel uses inside itself (include/linux/errno.h: "should never be seen by user programs"),
// which glibc has no words for, yet an NFS call aborted by a forced unmount returns (ERESTARTSYS, measured
// from statfs) and the NFS client passes on (EBADHANDLE, ENOTSUPP, …). Named and worded as the kernel's
// header comments say, so an admin never reads "Unknown system error -512".
const KERNEL_INTERNAL: Record<string, string> = {
  ERESTARTSYS: 'Request aborted before it finished (a kernel-internal code)',
  ERESTARTNOINTR: 'Request aborted before it finished (a kernel-internal code)',
  ERESTARTNOHAND: 'Request aborted before it finished (a kernel-internal code)',
  ENOIOCTLCMD: 'No such ioctl command (a kernel-internal code)',
  ERESTART_RESTARTBLOCK: 'Request aborted before it finished (a kernel-internal code)',
  EPROBE_DEFER: 'Driver requests probe retry (a kernel-internal code)',
  EOPENSTALE: 'Open found a stale entry (a kernel-internal code)',
  ENOPARAM: 'Parameter not supported (a kernel-internal code)',
  EBADHANDLE: 'Illegal NFS file handle (a kernel-internal code)',
  ENOTSYNC: 'Update synchronization mismatch (a kernel-internal NFS code)',
  EBADCOOKIE: 'Stale directory cookie (a kernel-internal NFS code)',
  ENOTSUPP: 'Operation is not supported (a kernel-internal code)',
  ETOOSMALL: 'Buffer or request is too small (a kernel-internal code)',
  ESERVERFAULT: 'The server reported an error with no local equivalent (a kernel-internal NFS code)',
  EBADTYPE: 'Type not supported by the server (a kernel-internal NFS code)',
  EJUKEBOX: 'The server is busy with the request: try again later (a kernel-internal NFS code)',
  EIOCBQUEUED: 'I/O queued, not yet completed (a kernel-internal code)',
  ERECALLCONFLICT: 'Conflict with recalled state (a kernel-internal NFS code)',
  ENOGRACE: 'NFS lock reclaim refused (a kernel-internal code)',
};

/** glibc's strerror text for an errno name ("ENOTCONN" -> "Transport endpoint is not connected"), if known. */
export function strerrorText(name: string): string | undefined {
  return GLIBC[name] ?? KERNEL_INTERNAL[name];
}
