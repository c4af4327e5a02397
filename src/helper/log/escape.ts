// One log line must stay one line, whatever a mountpoint is called. Mountpoints may contain any byte
// but NUL and '/' in a name, including newlines (see the mountinfo escaping in
// fs/proc_namespace.c: show_mountinfo -> seq_path_root(..., " \t\n\\")). We write control characters the
// way the kernel writes them in /proc/self/mountinfo: a backslash and three octal digits (\012 for a
// newline, \011 for a tab), and a backslash itself as \134 so the escaping can be undone unambiguously.
// Unlike mountinfo we leave spaces alone: a log line is read by people, and the seed prints paths raw.
// C1 controls (U+0080..U+009F), U+2028/U+2029 line and paragraph separators are escaped too, as the
// octal of their UTF-8 bytes, since some log viewers treat them as line breaks.

const encoder = new TextEncoder();

function octal(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += '\\' + b.toString(8).padStart(3, '0');
  return out;
}

function needsEscape(cp: number): boolean {
  return cp < 0x20 || cp === 0x5c || cp === 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029;
}

/** Escapes text that goes inside a log line (paths, reasons, config errors): see the file comment. */
export function escapeLogText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += needsEscape(cp) ? octal(encoder.encode(ch)) : ch;
  }
  return out;
}

/**
 * The safety net for whole lines built elsewhere (free-text messages): control characters become
 * \ooo but backslashes are kept, since a message may legitimately contain one and its variable parts
 * should already have gone through escapeLogText.
 */
export function escapeControlChars(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp !== 0x5c && needsEscape(cp) ? octal(encoder.encode(ch)) : ch;
  }
  return out;
}
