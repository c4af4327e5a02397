// mountstatus(8), generated when the package is built from what stays true as the code grows: each
// command's own --help text (run from the built CLI), the admin guide's sections on the command line, the
// config file, the service and the log lines admins grep for, and docs/architecture.md's account of a
// probe (test/build/man-page.integration.test.ts holds them together). The Markdown those sections use is a small subset, turned into man(7) here:
// headings, paragraphs, "- " lists, fenced code, tables (as tagged paragraphs, which read better in a
// terminal than tbl's wrapped columns), `code`, **bold**, *italics* and [links](...).

/** docs/admin-guide.md's sections, by heading, in the order the page shows them. */
export const GUIDE_SECTIONS = [
  { heading: '## Command line', title: 'COMMANDS' },
  { heading: '### The service', title: 'THE SERVICE' },
  { heading: '## Log lines: the contract with administrators', title: 'LOG LINES' },
];

/** The Markdown of one section: from its heading to the next heading of the same or a higher level. */
export function markdownSection(markdown, heading) {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no section "${heading}" (man page source)`);
  const level = heading.indexOf(' ');
  let end = start + 1;
  let fenced = false;
  for (; end < lines.length; end++) {
    if (lines[end].startsWith('```')) fenced = !fenced;
    const m = !fenced && /^(#+) /.exec(lines[end]);
    if (m && m[1].length <= level) break;
  }
  return lines.slice(start + 1, end).join('\n');
}

/** Text for roff: backslashes doubled, and a line may not start with a control character. */
function escapeText(text) {
  return text.replaceAll('\\', '\\e');
}

function protectLine(line) {
  return /^[.']/.test(line) ? `\\&${line}` : line;
}

/** Inline Markdown: `code` and **bold** in bold, *text* in italics, links as their text. */
export function inline(md) {
  let out = '';
  let i = 0;
  while (i < md.length) {
    if (md[i] === '`') {
      const end = md.indexOf('`', i + 1);
      if (end > i) {
        out += `\\fB${escapeText(md.slice(i + 1, end)).replaceAll('-', '\\-')}\\fR`;
        i = end + 1;
        continue;
      }
    }
    if (md.startsWith('**', i)) {
      const end = md.indexOf('**', i + 2);
      if (end > i) {
        out += `\\fB${inline(md.slice(i + 2, end))}\\fR`;
        i = end + 2;
        continue;
      }
    }
    if (md[i] === '*' && md[i + 1] !== ' ') {
      const end = md.indexOf('*', i + 1);
      if (end > i + 1) {
        out += `\\fI${inline(md.slice(i + 1, end))}\\fR`;
        i = end + 1;
        continue;
      }
    }
    const link = /^\[([^\]]+)\]\(([^)]+)\)/.exec(md.slice(i));
    if (link) {
      out += inline(link[1]);
      i += link[0].length;
      continue;
    }
    out += md[i] === '\\' ? '\\e' : md[i];
    i++;
  }
  return out;
}

function tableRow(line) {
  // Cells split on | outside `code` (a log line may contain one).
  const cells = [];
  let cell = '';
  let code = false;
  for (const ch of line.trim().replace(/^\||\|$/g, '')) {
    if (ch === '`') code = !code;
    if (ch === '|' && !code) {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/** Block Markdown to man(7) requests. */
export function markdownToMan(md) {
  const out = [];
  const lines = md.split('\n');
  let para = [];
  const flush = () => {
    if (para.length) out.push('.PP', ...para.map((l) => protectLine(inline(l))));
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('```')) {
      flush();
      out.push('.PP', '.RS 2', '.nf');
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) out.push(protectLine(escapeText(lines[i]).replaceAll('-', '\\-')));
      out.push('.fi', '.RE');
    } else if (/^#+ /.test(line)) {
      flush();
      out.push(`.SS ${inline(line.replace(/^#+ /, ''))}`);
    } else if (line.startsWith('|')) {
      flush();
      // Header row, separator row, then one tagged paragraph per row: the first cell as the tag.
      for (i += 2; i < lines.length && lines[i].startsWith('|'); i++) {
        const [tag, ...rest] = tableRow(lines[i]);
        out.push('.TP', protectLine(inline(tag)), protectLine(rest.filter((c) => c !== '').map(inline).join(' \\(em ')));
      }
      i--;
    } else if (line.startsWith('- ')) {
      flush();
      const item = [line.slice(2)];
      while (i + 1 < lines.length && lines[i + 1].startsWith('  ') && !lines[i + 1].startsWith('  - ')) item.push(lines[++i].trim());
      out.push('.IP \\(bu 2', ...item.map((l) => protectLine(inline(l))));
    } else if (line.trim() === '') {
      flush();
    } else {
      para.push(line);
    }
  }
  flush();
  return out.join('\n');
}

function verbatim(text) {
  return ['.PP', '.RS 2', '.nf', ...text.trimEnd().split('\n').map((l) => protectLine(escapeText(l).replaceAll('-', '\\-'))), '.fi', '.RE'].join('\n');
}

/**
 * The page. `help` maps each command (check, daemon, status) to its --help output; `files` lists the
 * installed paths to describe, [path, what] pairs.
 */
export function manPage({ guide, architecture, help, version, date, files }) {
  const usage = Object.values(help).map((text) => text.split('\n').filter((l) => /^usage: |^\s+\[/.test(l)).join('\n'));
  const description = architecture.split('\n\n').find((p) => p.startsWith('How it checks without hanging'));
  if (description === undefined) throw new Error('docs/architecture.md has no "How it checks without hanging" paragraph (man page source)');
  return [
    `.TH MOUNTSTATUS 8 "${date}" "mount-status-monitor ${version}" "System Administration"`,
    // No hyphenation and ragged right: log lines must read (and grep) exactly as written.
    '.nh',
    '.ad l',
    '.SH NAME',
    'mountstatus \\- check every mounted filesystem without hanging, and log dead mounts',
    '.SH SYNOPSIS',
    verbatim(usage.join('\n').replaceAll('usage: ', '')),
    '.SH DESCRIPTION',
    markdownToMan(description),
    ...GUIDE_SECTIONS.flatMap(({ heading, title }) => [`.SH ${title}`, markdownToMan(markdownSection(guide, heading))]),
    '.SH OPTIONS',
    ...Object.entries(help).flatMap(([command, text]) => [`.SS mountstatus ${command}`, verbatim(text)]),
    '.SH FILES',
    ...files.flatMap(([path, what]) => ['.TP', `\\fB${escapeText(path).replaceAll('-', '\\-')}\\fR`, protectLine(inline(what))]),
    '.SH SEE ALSO',
    '\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1), \\fBsystemd.exec\\fR(5), \\fBautomount\\fR(8), \\fBmount\\fR(8)',
    '',
  ]
    .join('\n')
    // Plain ASCII input, as troff reads it without preconv(1): other characters as \[uXXXX].
    .replace(/[^\x00-\x7f]/gu, (ch) => `\\[u${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}
