// One log line must stay one line, whatever a mountpoint is called. Mountpoints may contain any byte
// but NUL, including newlines (fs/proc_namespace.c: show_mountinfo -> seq_path_root(..., " \t\n\\")).
// Control characters, C1 controls, U+2028/U+2029, bidi controls and a backslash itself are written the
// way the kernel writes mountinfo, a backslash and three octal digits (\012 for a newline), so the
// escaping can be undone unambiguously. Spaces are left alone: a log line is read by people, and the
// seed prints paths raw. The one implementation is escapeForDisplay (src/common/mount-table/escapes.ts),
// shared with the CLI table and the status window.
import { escapeForDisplay } from '../../common/mount-table/escapes.js';

/** Escapes text that goes inside a log line (paths, reasons, config errors): see the file comment. */
export function escapeLogText(text: string): string {
  return escapeForDisplay(text);
}

/**
 * The safety net for whole lines built elsewhere (free-text messages): control characters become
 * \ooo but backslashes are kept, since a message may legitimately contain one and its variable parts
 * should already have gone through escapeLogText.
 */
export function escapeControlChars(text: string): string {
  return escapeForDisplay(text, true);
}
