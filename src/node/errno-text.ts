// The text after an errno name in a log line. We print glibc's strerror(3) wording, which admins know
// from every other tool on the box (`ls: cannot access '/mnt/x': Transport endpoint is not connected`),
// rather than libuv's paraphrases (uv_strerror says "socket is not connected" for ENOTCONN). The table
// holds the errnos a probe can meet on a sick mount; anything else falls back to libuv's message.
import { getSystemErrorMap } from 'node:util';
import { constants } from 'node:os';

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

/** strerror-style text for an errno name ("ENOTCONN" -> "Transport endpoint is not connected"). */
export function errnoText(name: string): string | undefined {
  const glibc = GLIBC[name];
  if (glibc !== undefined) return glibc;
  const num = (constants.errno as Record<string, number>)[name];
  if (num === undefined) return undefined;
  // libuv keys its map by negative errno.
  const entry = getSystemErrorMap().get(-num);
  if (entry === undefined) return undefined;
  const text = entry[1];
  return text.charAt(0).toUpperCase() + text.slice(1);
}
