// mountstatus(8) is generated (build/deb/man-page.js) from each command's --help and README sections;
// this holds the three together: the page renders without groff warnings, carries every log line of the
// README's table and every option of every --help, and README's synopsis names the options --help does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { skipOrFail } from '../support/namespace.js';
import { have, removeTree, ROOT, run, tempDir } from './build-tools.js';

interface ManPageModule {
  manPage(o: { readme: string; help: Record<string, string>; version: string; date: string; files: [string, string][] }): string;
  readmeSection(readme: string, heading: string): string;
}
const { manPage, readmeSection } = (await import(pathToFileURL(join(ROOT, 'build/deb/man-page.js')).href)) as ManPageModule;

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const help: Record<string, string> = {};
for (const command of ['check', 'daemon', 'status']) help[command] = run(process.execPath, [join(ROOT, 'bin/mountstatus.js'), command, '--help']).stdout;
const page = manPage({ readme, help, version: '0.0.0', date: '2026-01-01', files: [['/etc/mount-status-monitor.conf', 'the settings']] });
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

test('the page renders cleanly and carries every log line of the README table, word for word', { skip }, () => {
  const text = rendered();
  const table = readmeSection(readme, '## Log lines: the contract with administrators');
  const rows = table.split('\n').filter((l) => l.startsWith('| `'));
  assert.ok(rows.length >= 20, `${rows.length} rows`);
  for (const row of rows) {
    for (const [, line] of row.split(' | ')[0]!.matchAll(/`([^`]+)`/g)) assert.ok(text.includes(squash(line!)), `man page lacks: ${line}`);
  }
  assert.ok(text.includes('Checked 42 mounts in 0 seconds'));
});

test('the page carries every option each command\'s --help names, and the README synopsis matches --help', { skip }, () => {
  const text = rendered();
  for (const [command, usage] of Object.entries(help)) {
    assert.match(usage, new RegExp(`^usage: mountstatus ${command} `));
    for (const option of optionsOf(usage)) assert.ok(text.includes(option), `man page lacks ${command} ${option}`);
  }
  // README's synopsis block, one command per line (continuations indented), against --help's usage lines.
  const synopsis = /```\n(mountstatus check[\s\S]*?)```/.exec(readmeSection(readme, '## Command line'))![1]!;
  const readmeUsage: Record<string, string> = {};
  let current = '';
  for (const line of synopsis.split('\n')) {
    const m = /^mountstatus (\w+)/.exec(line);
    if (m) current = m[1]!;
    readmeUsage[current] = (readmeUsage[current] ?? '') + line;
  }
  for (const [command, usage] of Object.entries(help)) {
    const usageLines = usage.split('\n').filter((l) => /^usage: |^\s+\[/.test(l)).join(' ');
    assert.deepEqual(optionsOf(readmeUsage[command] ?? ''), optionsOf(usageLines), `README synopsis of ${command}`);
  }
});

test('the generator refuses a README without a section it needs', () => {
  assert.throws(() => manPage({ readme: readme.replace('## Log lines: the contract with administrators', '## Logs'), help, version: '0', date: '2026-01-01', files: [] }), /no section "## Log lines/);
});
