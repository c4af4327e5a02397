// mountstatus(8) is generated (build/deb/man-page.js) from each command's --help and sections of docs/;
// this holds them together: the page renders without groff warnings, carries every log line of the admin
// guide's table and every option of every --help, and the guide's synopsis names the options --help does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { skipOrFail } from '../support/namespace.js';
import { have, removeTree, ROOT, run, tempDir } from './build-tools.js';

interface ManPageModule {
  manPage(o: { guide: string; architecture: string; help: Record<string, string>; version: string; date: string; files: [string, string][] }): string;
  markdownSection(markdown: string, heading: string): string;
}
const { manPage, markdownSection } = (await import(pathToFileURL(join(ROOT, 'build/deb/man-page.js')).href)) as ManPageModule;

const guide = readFileSync(join(ROOT, 'docs/admin-guide.md'), 'utf8');
const architecture = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
const help: Record<string, string> = {};
for (const command of ['check', 'daemon', 'status']) help[command] = run(process.execPath, [join(ROOT, 'bin/mountstatus.js'), command, '--help']).stdout;
const page = manPage({ guide, architecture, help, version: '0.0.0', date: '2026-01-01', files: [['/etc/mount-status-monitor.conf', 'the settings']] });
const dir = tempDir('msm-pkg-man-');
after(() => removeTree(dir));
const skip = skipOrFail(have('groff') && have('man') ? undefined : 'needs groff and man (apt packages groff-base, man-db)');

const squash = (s: string) => s.replace(/\s+/g, ' ');
const optionsOf = (text: string) => [...new Set(text.match(/--[a-z][a-z-]*/g))].sort();

function rendered(): string {
  const file = join(dir, 'mountstatus.8');
  writeFileSync(file, page);
  const warnings = run('groff', ['-man', '-Tutf8', '-ww', '-z', file]);
  assert.equal(warnings.code, 0);
  assert.equal(warnings.stderr, '', 'no groff warnings');
  const r = run('man', ['-l', '-Tutf8', file], { env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '' } });
  assert.equal(r.code, 0, r.stderr);
  return squash(r.stdout.replace(/.\x08/g, ''));
}

test('the page renders cleanly and carries every log line of the guide\'s table, word for word', { skip }, () => {
  const text = rendered();
  const table = markdownSection(guide, '## Log lines: the contract with administrators');
  const rows = table.split('\n').filter((l) => l.startsWith('| `'));
  assert.ok(rows.length >= 20, `${rows.length} rows`);
  for (const row of rows) {
    for (const [, line] of row.split(' | ')[0]!.matchAll(/`([^`]+)`/g)) assert.ok(text.includes(squash(line!)), `man page lacks: ${line}`);
  }
  assert.ok(text.includes('Checked 42 mounts in 0 seconds'));
});

test('the page carries every option each command\'s --help names, and the guide\'s synopsis matches --help', { skip }, () => {
  const text = rendered();
  for (const [command, usage] of Object.entries(help)) {
    assert.match(usage, new RegExp(`^usage: mountstatus ${command} `));
    for (const option of optionsOf(usage)) assert.ok(text.includes(option), `man page lacks ${command} ${option}`);
  }
  // The guide's synopsis block, one command per line (continuations indented), against --help's usage lines.
  const synopsis = /```\n(mountstatus check[\s\S]*?)```/.exec(markdownSection(guide, '## Command line'))![1]!;
  const guideUsage: Record<string, string> = {};
  let current = '';
  for (const line of synopsis.split('\n')) {
    const m = /^mountstatus (\w+)/.exec(line);
    if (m) current = m[1]!;
    guideUsage[current] = (guideUsage[current] ?? '') + line;
  }
  for (const [command, usage] of Object.entries(help)) {
    const usageLines = usage.split('\n').filter((l) => /^usage: |^\s+\[/.test(l)).join(' ');
    assert.deepEqual(optionsOf(guideUsage[command] ?? ''), optionsOf(usageLines), `the guide's synopsis of ${command}`);
  }
});

test('the generator refuses a guide without a section it needs, or an architecture without the description', () => {
  assert.throws(() => manPage({ guide: guide.replace('## Log lines: the contract with administrators', '## Logs'), architecture, help, version: '0', date: '2026-01-01', files: [] }), /no section "## Log lines/);
  assert.throws(() => manPage({ guide, architecture: '# Architecture\n', help, version: '0', date: '2026-01-01', files: [] }), /no "How it checks without hanging" paragraph/);
});
