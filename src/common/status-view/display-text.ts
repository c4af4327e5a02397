// Text from the mount table (mountpoints, sources, messages) as the window shows it: on one line, with no
// character that can hide or reorder the ones around it (a newline, a bidi override such as U+202E:
// "/mnt/evil<U+202E>gnp.exe" would show as "/mnt/evilexe.png", Unicode TR#36). The same escaping as the
// CLI table and the syslog lines (escapeForDisplay). The raw text is kept for what is sent back (a
// recheck names the exact mountpoint).
import { escapeForDisplay } from '../mount-table/escapes.js';

/** `text` on one line, with nothing that can reorder or hide the characters around it. */
export function displayText(text: string): string {
  return escapeForDisplay(text);
}
