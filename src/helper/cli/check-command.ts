// `mountstatus check`: one sweep, a table or JSON, exit 0 when every mount is well, 1 when any is not,
// 2 on usage or internal errors.
import { isWell } from '../../common/state-classes.js';
import { createMonitor } from '../../node/create-monitor.js';
import { parseCommand, resolveSettings, type OptionName } from './options.js';
import { formatTable, reportJson } from './report-format.js';
import type { CommandIo } from './io.js';
import { monitorLogFor } from '../monitor/syslog-monitor-log.js';
import { nonRoot } from '../log/lines.js';
import { openLog } from '../log/open-log.js';

/** The options `check` accepts; each is described in CHECK_USAGE. */
export const CHECK_OPTIONS = ['json', 'timeout', 'include', 'exclude', 'config', 'syslog', 'syslog-socket', 'help'] as const satisfies readonly OptionName[];

export const CHECK_USAGE = `usage: mountstatus check [--json] [--timeout SECONDS] [--include GLOB]... [--exclude GLOB]... [--config FILE]
                         [--syslog [--syslog-socket PATH]]
  One sweep over every mounted filesystem (kernel pseudo-filesystems and autofs triggers left out).
  --json                print {"checked","dead","seconds","mounts":[...]} instead of a table
  --timeout SECONDS     kill a probe after this long and report its mount hung (default 10)
  --include GLOB        only mountpoints matching GLOB (repeatable); fstype:PATTERN matches the type
  --exclude GLOB        leave out mountpoints matching GLOB (repeatable); fstype:PATTERN matches the type
  --config FILE         read settings from FILE first
  --syslog              also write the result to the system log, as the daemon does
  --syslog-socket PATH  with --syslog: the system log's socket (default /dev/log)
Exit status: 0 all mounts ok, 1 some mount not ok, 2 usage or internal error.
`;

export async function runCheckCommand(argv: string[], io: CommandIo): Promise<number> {
  const cmd = parseCommand(argv, CHECK_OPTIONS);
  if (cmd.values.help) {
    io.stdout(CHECK_USAGE);
    return 0;
  }
  const { settings } = await resolveSettings(cmd, { defaultConfig: false });
  const uid = process.getuid?.() ?? 0;
  const notice = uid === 0 ? undefined : nonRoot(uid);
  if (notice) io.stderr(`mountstatus: ${notice.text}\n`);
  // Lines syslog does not take go to stderr, and it says why (open-log.ts).
  const syslog = cmd.values.syslog && settings.syslogSocket !== '' ? openLog({ syslogSocket: settings.syslogSocket }) : undefined;
  if (notice) syslog?.line(notice);
  const monitor = createMonitor(settings, uid === 0 ? 'system' : 'user', syslog && monitorLogFor(syslog));
  try {
    const report = await monitor.sweep();
    io.stdout(cmd.values.json ? JSON.stringify(reportJson(report), null, 2) + '\n' : formatTable(report));
    return report.mounts.every((m) => isWell(m.state)) ? 0 : 1;
  } finally {
    // A probe stuck in D state cannot be reaped until its server answers; a one-shot command does not
    // wait for that. The fork server kills and reaps what it can, and whatever is left is re-parented
    // to init when we exit (the server dies with us: PR_SET_PDEATHSIG).
    await Promise.race([monitor.stop(), new Promise((r) => setTimeout(r, 250).unref())]);
    await syslog?.close();
  }
}
