// The terminal mode of `npm start`: the live table fed by the helper if one answers, else by a
// monitor run in this process as the user.
import { homeFromEnv } from '../app/home-mount.js';
import { openMonitorFeed } from '../app/monitor-feed.js';
import { startLiveTable } from './live-table.js';

export async function runTerminal(): Promise<number> {
  const home = homeFromEnv();
  const source = await openMonitorFeed({ waitMs: 1000, switchToHelper: true, ...(home ? { home } : {}) });
  const table = startLiveTable({
    api: source.api,
    output: process.stdout,
    input: process.stdin,
    connection: source.connection,
    ...(home ? { home } : {}),
  });
  await table.done;
  await source.close();
  return 0;
}
