// The config reader's child process (config-reader.ts): `node read-config-child.js PATH MAX_BYTES`. It
// makes the only filesystem calls on the config path, so a FIFO or a file on a hung mount can block
// this process, never the daemon. Prints `reading` when it starts to (the parent's deadline starts then),
// then one JSON line: {"text": …} for a regular file of at most MAX_BYTES, {"absent": true} when there is none, or {"error": "…"}.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, writeSync, type Stats } from 'node:fs';

function kind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  return 'not a file';
}

function read(path: string, maxBytes: number): { text: string } | { absent: true } | { error: string } {
  let st: Stats;
  try {
    st = statSync(path); // follows a symlink: a config file kept elsewhere and linked is fine
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return err.code === 'ENOENT' ? { absent: true } : { error: `${err.code}: ${err.message}` };
  }
  // Before open(2): opening a device can do things (rewind a tape, hang up a modem).
  if (!st.isFile()) return { error: `not a regular file (${kind(st)})` };
  // O_NONBLOCK: should a FIFO be swapped in after the stat, its open returns at once instead of
  // waiting for a writer (fifo(7)); the fstat below then refuses it.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) return { error: `not a regular file (${kind(opened)})` };
    if (opened.dev !== st.dev || opened.ino !== st.ino) return { error: 'replaced while being read' };
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > maxBytes) return { error: `larger than ${maxBytes} bytes` };
    return { text: buf.toString('utf8', 0, n) };
  } finally {
    closeSync(fd);
  }
}

const [path, max] = process.argv.slice(2);
writeSync(1, 'reading\n');
let result;
try {
  result = read(path!, Number(max));
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  result = { error: err.code ? `${err.code}: ${err.message}` : err.message };
}
process.stdout.write(JSON.stringify(result) + '\n');
