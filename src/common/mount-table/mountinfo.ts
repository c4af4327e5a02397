// Parser for Linux /proc/self/mountinfo (proc(5); kernel Documentation/filesystems/proc.rst, 3.5):
//
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//   (1)(2)(3)   (4)   (5)      (6)      (7)    (8) (9)    (10)        (11)
//
// (7) is zero or more optional fields ("shared:N", "master:N", "propagate_from:N", "unbindable"), ended by
// the lone "-" field (8). Fields are separated by single spaces; a space, tab, newline or backslash inside a
// field is written as `\ooo` (see escapes.ts), so a field never contains a raw space and " - " cannot
// appear inside one: the first "-" field from (7) on is the separator. We scan for it from the left (the
// optional fields vary in number). Field (10) may be empty (a mount whose source is ""), which is why we
// split on single spaces. If a filesystem ever printed a raw space in its superblock options, the fields
// after the separator are more than three; the rest is joined back with spaces as the options (lenient,
// since nothing after it can be misread).
//
// A malformed line becomes a problem {line, text, reason} and is skipped; this function never throws.
import type { MountEntry, MountTableProblem, ParsedMountTable } from '../mount.js';
import { unescapeOctal } from './escapes.js';
import { splitOptionsAt } from './options.js';
import { decodeUtf8Lossless } from './utf8.js';

/** The decimal value of line[from, to), or -1 if it is not 1..15 digits. */
function decimalAt(line: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = line.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function isDevice(line: string, from: number, to: number): boolean {
  const colon = line.indexOf(':', from);
  return colon > from && colon < to && decimalAt(line, from, colon) >= 0 && decimalAt(line, colon + 1, to) >= 0;
}

function fieldCount(s: string, from: number, to: number): number {
  let n = 1;
  for (let i = s.indexOf(' ', from); i >= 0 && i < to; i = s.indexOf(' ', i + 1)) n++;
  return n;
}

function tooFew(s: string, from: number, to: number): string {
  return `too few fields (${fieldCount(s, from, to)}, need at least 10)`;
}

/** Index of the next space in s[from, to), or -1. */
function spaceAt(s: string, from: number, to: number): number {
  const i = s.indexOf(' ', from);
  return i >= 0 && i < to ? i : -1;
}

/**
 * Parses the line s[from, to); returns the entry, or the reason it is malformed. Scans with indexOf on the
 * whole text rather than split()ting lines: this runs for every mount on every sweep, and fewer temporary
 * strings and arrays is most of the cost.
 */
function parseAt(s: string, from: number, to: number): MountEntry | string {
  // Fields 1..6 end at the first six spaces.
  const e1 = spaceAt(s, from, to);
  const e2 = e1 < 0 ? -1 : spaceAt(s, e1 + 1, to);
  const e3 = e2 < 0 ? -1 : spaceAt(s, e2 + 1, to);
  const e4 = e3 < 0 ? -1 : spaceAt(s, e3 + 1, to);
  const e5 = e4 < 0 ? -1 : spaceAt(s, e4 + 1, to);
  const e6 = e5 < 0 ? -1 : spaceAt(s, e5 + 1, to);
  if (e6 < 0) return tooFew(s, from, to);
  const mountId = decimalAt(s, from, e1);
  if (mountId < 0) return `mount id is not a number: ${JSON.stringify(s.slice(from, e1))}`;
  const parentId = decimalAt(s, e1 + 1, e2);
  if (parentId < 0) return `parent id is not a number: ${JSON.stringify(s.slice(e1 + 1, e2))}`;
  if (!isDevice(s, e2 + 1, e3)) return `device is not major:minor: ${JSON.stringify(s.slice(e2 + 1, e3))}`;
  if (e5 === e4 + 1) return 'empty mountpoint';
  // Optional fields, up to the lone "-" field (the separator).
  const optionalFields: string[] = [];
  let pos = e6 + 1;
  let sepEnd = -1;
  for (;;) {
    const end = spaceAt(s, pos, to);
    if (end < 0) {
      if (to - pos === 1 && s.charCodeAt(pos) === 45) sepEnd = to;
      break;
    }
    if (end === pos + 1 && s.charCodeAt(pos) === 45) {
      sepEnd = end;
      break;
    }
    if (end > pos) optionalFields.push(unescapeOctal(s.slice(pos, end)));
    pos = end + 1;
  }
  if (sepEnd < 0) return fieldCount(s, from, to) < 10 ? tooFew(s, from, to) : 'no " - " separator after the optional fields';
  const a = sepEnd >= to ? -1 : spaceAt(s, sepEnd + 1, to);
  const b = a < 0 ? -1 : spaceAt(s, a + 1, to);
  if (b < 0) {
    if (fieldCount(s, from, to) < 10) return tooFew(s, from, to);
    return `too few fields after the " - " separator (${sepEnd >= to ? 0 : a < 0 ? 1 : 2}, need 3)`;
  }
  if (a === sepEnd + 1) return 'empty filesystem type';
  // Anything after field 10 is the superblock options, even if it held a raw space (see the header).
  return {
    mountId,
    parentId,
    device: s.slice(e2 + 1, e3),
    root: unescapeOctal(s.slice(e3 + 1, e4)),
    mountpoint: unescapeOctal(s.slice(e4 + 1, e5)),
    mountOptions: splitOptionsAt(s, e5 + 1, e6),
    optionalFields,
    fstype: unescapeOctal(s.slice(sepEnd + 1, a)),
    source: unescapeOctal(s.slice(a + 1, b)),
    superOptions: splitOptionsAt(s, b + 1, to),
  };
}

/** Parses one line (without its newline); returns the entry, or the reason it is malformed. */
export function parseMountinfoLine(line: string): MountEntry | string {
  return parseAt(line, 0, line.length);
}

/**
 * Parses the whole of /proc/self/mountinfo. Give it the raw bytes when you have them: a mountpoint that is
 * not valid UTF-8 then survives losslessly (utf8.ts); a string is taken as already-decoded text.
 */
export function parseMountinfo(text: string | Uint8Array): ParsedMountTable {
  const s = typeof text === 'string' ? text : decodeUtf8Lossless(text);
  const entries: MountEntry[] = [];
  const problems: MountTableProblem[] = [];
  let lineNo = 0;
  let start = 0;
  while (start < s.length) {
    let end = s.indexOf('\n', start);
    if (end < 0) end = s.length;
    lineNo++;
    // A raw newline never occurs inside a field (the kernel writes \012), so every '\n' ends a line.
    if (end > start) {
      const r = parseAt(s, start, end);
      if (typeof r === 'string') problems.push({ line: lineNo, text: s.slice(start, end), reason: r });
      else entries.push(r);
    }
    start = end + 1;
  }
  return { entries, problems };
}
