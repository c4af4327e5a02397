// The state `disconnected` (an NFS mount whose client was shut down) everywhere a state is shown: the
// vocabulary, the status window's words and order, the CLI's table and JSON, the wire, the tray, the
// notifications and the metrics. Not dead (it fails at once, it does not hang) and not well.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MOUNT_STATES, type MountStatus } from '../../../src/common/mount.js';
import { parseHelperMessage } from '../../../src/common/protocol-schemas.js';
import { isDead, isFailing, isProblem, isWell } from '../../../src/common/state-classes.js';
import { problemInWords, STATE_LABEL, STATE_PHRASE } from '../../../src/common/status-view/problem-words.js';
import { formatTable, mountJson } from '../../../src/helper/cli/report-format.js';
import { renderMetrics } from '../../../src/helper/metrics/render-metrics.js';
import { trayState } from '../../../src/main/tray/tray-state.js';
import { NotificationPolicy } from '../../../src/main/notify/policy.js';
import { nfs, snapshot } from '../../main/fixtures.js';

const NOW = 1_700_000_000_000;
const home = (state: MountStatus['state']): MountStatus => nfs('/home', 'nfs1', state, { since: NOW - 120_000 });

test('a state of its own: a problem, neither dead nor well nor "not responding"', () => {
  assert.ok(MOUNT_STATES.includes('disconnected'));
  assert.equal(isDead('disconnected'), false, 'the sweep line does not count it dead every minute');
  assert.equal(isWell('disconnected'), false, '`check` exits 1');
  assert.equal(isFailing('disconnected'), false, 'the recover policy does not act on it again');
  assert.equal(isProblem('disconnected'), true);
  assert.equal(STATE_LABEL.disconnected, 'Disconnected');
  assert.equal(STATE_PHRASE.disconnected, 'disconnected');
  assert.equal(problemInWords(home('disconnected'), NOW), 'disconnected from server nfs1 2 min ago: everything on it fails at once; remount it to use it again');
});

test('the CLI: DISCONNECTED in the table and counted in the summary; "disconnected" in JSON and on the wire', () => {
  const m = { ...home('disconnected'), message: 'disconnected from its server (/sys/fs/nfs/0:52/shutdown): everything on it fails at once until it is mounted again' };
  const table = formatTable({ checked: 1, dead: 0, seconds: 0.01, mounts: [m], problems: [] });
  assert.match(table, /^DISCONNECTED +\/home +nfs4 /m);
  assert.match(table, /Checked 1 mount in 0\.01 seconds: 0 dead, 1 disconnected$/m);
  assert.equal(mountJson(m).state, 'disconnected');
  const wire = parseHelperMessage(JSON.stringify({ type: 'event', event: { type: 'mount', mount: m, previous: 'hung' } }));
  assert.ok(wire.ok, JSON.stringify(wire));
});

test('the tray: degraded, or dead for the home; the home notification says disconnected and no "back" follows', () => {
  const s = trayState({ snapshot: snapshot([home('disconnected')]), connection: { state: 'connected' }, home: '/home/alice' });
  assert.equal(s.level, 'dead');
  assert.match(s.tooltip, /your home directory \(\/home\) is disconnected/);
  assert.match(s.summary, /1 disconnected/);
  const other = trayState({ snapshot: snapshot([nfs('/data', 'nfs1', 'disconnected')]), connection: { state: 'connected' }, home: '/home/alice' });
  assert.equal(other.level, 'degraded');
  const policy = new NotificationPolicy({ home: '/home/alice', now: () => NOW });
  policy.seed(snapshot([home('ok')]));
  const down = policy.handle({ type: 'mount', mount: home('disconnected'), previous: 'ok' });
  assert.equal(down[0]?.title, 'Your home directory is disconnected');
  const hung = new NotificationPolicy({ home: '/home/alice', now: () => NOW });
  hung.seed(snapshot([home('hung')]));
  assert.deepEqual(hung.handle({ type: 'mount', mount: home('disconnected'), previous: 'hung' }), [], 'hung -> disconnected is no recovery');
});

test('metrics: the state series, and responsive 0', () => {
  const text = renderMetrics({
    snapshot: snapshot([home('disconnected')]),
    timeouts: 0,
    errors: new Map(),
    unresponsiveSince: new Map(),
    settings: { intervalSeconds: 60, timeoutSeconds: 10, exclude: [], maxMounts: 500, serverAliases: new Map() },
  });
  assert.match(text, /^mountstatus_mount_state\{mountpoint="\/home",state="disconnected"\} 1$/m);
  assert.match(text, /^mountstatus_mounts\{state="disconnected"\} 1$/m);
  assert.match(text, /^mountstatus_mount_responsive\{mountpoint="\/home",fstype="nfs4"\} 0$/m);
});
