// One or more example calls of every function in lines.ts, in the order of docs/admin-guide.md's log table: the table
// shows exactly these lines, rendered, each with its severity (test/helper/log/guide-log-table.unit.test.ts
// checks both ways: no row without a function, no function without a row). The type makes a new function
// without an example a compile error.
import type * as lines from './lines.js';

type Lines = typeof lines;
export type LineExamples = { readonly [K in keyof Lines]: readonly Parameters<Lines[K]>[] };

const tray = { id: 3, name: 'mount-status-monitor tray', peer: { uid: 1000, pid: 4242 } };
const schedule = { intervalSeconds: 60, watchIntervalSeconds: 1, slowAfterSeconds: 1.5, timeoutSeconds: 10 };
const CONFIG = '/etc/mount-status-monitor.conf';
const SOCKET = '/run/mount-status-monitor/helper-v1.sock';
const TEXTFILE = '/var/lib/prometheus/node-exporter/mountstatus.prom';

export const LINE_EXAMPLES: LineExamples = {
  checked: [
    [42, 0, 0],
    [37, 60, 1],
  ],
  timedOut: [[30686]],
  denied: [['/example', 0o4000]],
  notResponding: [['/mnt/x', 10]],
  slow: [['/home', 1.5, 'nfs1']],
  blocked: [['/home', 'nfs1', 12, [{ pid: 1234, comm: 'firefox' }, { pid: 2345, comm: 'thunderbird' }]]],
  errnoFailure: [['/mnt/x', 'ENOTCONN']],
  deniedByErrno: [['/srv/private', 'EACCES', 'opendir']],
  stuck: [[30686, '/mnt/x', 150]],
  stuckExited: [[30686, '/mnt/x', 300]],
  recovered: [['/mnt/x', 180]],
  serverDown: [['nfs1', 3]],
  serverUp: [['nfs1']],
  kernelSignal: [
    ['nfs1', 'not-responding', 3],
    ['nfs1', 'ok', 3],
  ],
  degrading: [['/home', 'nfs1', 'RPC round trip 210 ms, usually 0.4 ms; 14 retransmissions in the last minute']],
  degradingOver: [['/home', 120]],
  automountDaemonGone: [
    ['/home', 812, false],
    ['/home', 812, true],
  ],
  automountDaemonBack: [['/home', 812]],
  proberLost: [[4242, 'was killed by SIGKILL', 812]],
  proberSaid: [[4242, 'workers die as they start: a child per probe from now on']],
  proberMismatch: [['/usr/lib/mount-status-monitor/native/msm-prober', 5, 6, true]],
  mountTableLine: [['/proc/self/mountinfo', 12, 'no " - " separator after the optional fields', '36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 ext3 /dev/root rw']],
  mountTableUnreadable: [
    ['/proc/self/mountinfo', 'ENOENT', "ENOENT: no such file or directory, open '/proc/self/mountinfo'"],
    ['/proc/self/mountinfo', undefined, 'it has no readable entries (3 malformed lines)'],
  ],
  nonRoot: [[1000]],
  starting: [[0, schedule, CONFIG]],
  reloaded: [[CONFIG, schedule]],
  reloadWithoutConfig: [[]],
  configKept: [[`${CONFIG}:4: timeout: expected a number of seconds`]],
  stopping: [[]],
  foreignMountNamespace: [['mnt:[4026532255]', 'mnt:[4026531841]']],
  kmsgUnavailable: [['EPERM']],
  kmsgStopped: [['EIO']],
  cannotServe: [[SOCKET, `a helper is already serving ${SOCKET}: stop it first (sudo systemctl stop mount-status-monitor), or pass another --socket`]],
  staleSocketRemoved: [[SOCKET]],
  droppedClient: [[tray, 'stalled reader: 4194400 bytes unread (limit 4194304)']],
  refusedVersion: [[tray, 2, 1]],
  refusedClient: [[1001, 'too many clients of this user (limit 8)']],
  refusedClients: [[19_000, 1001, 5, 'too many clients of this user (limit 8)']],
  helperSocketError: [['EMFILE: too many open files']],
  eventNotSent: [['the event is 17825792 bytes, over the frame limit of 16777216']],
  syslogDropped: [[120]],
  syslogUnavailable: [[3, 'socket /dev/log: No such file or directory']],
  syslogUnreachable: [['socket /dev/log: No such file or directory']],
  syslogWriterRestarting: [['logger was killed by SIGKILL', 100]],
  syslogReachable: [['/dev/log']],
  metricsServing: [['http://127.0.0.1:9877/metrics']],
  metricsListenFailed: [['127.0.0.1:9877', 'EADDRINUSE', 'listen EADDRINUSE: address already in use 127.0.0.1:9877', 30]],
  metricsTextfile: [[TEXTFILE]],
  metricsTextfileFailed: [[TEXTFILE, 'EACCES', `EACCES: permission denied, open '${TEXTFILE}.tmp'`]],
  metricsTextfileRecovered: [[TEXTFILE]],
  unmounted: [
    ['/mnt/x', 'nfs1', 'unmounted', 0, { notRespondingSeconds: 300 }, 3],
    ['/mnt/x', undefined, 'detached', 2, { uid: 0 }, 1, [{ pid: 4242, comm: 'ls' }]],
  ],
  unmountRefused: [['/mnt/x', 1000, 'only root may unmount (no admin-group is configured)']],
  unmountFailed: [['/mnt/x', '/mnt/x is still in use by vim[4242] (cwd) after its requests were aborted (--lazy detaches it anyway)']],
  automountExpireAsked: [['/home/bob', 812]],
  recoverPostponed: [['/mnt/x', 3, 600]],
  disconnected: [
    ['/home', 'nfs1', 7, [], [], { uid: 0 }],
    ['/home/bob', 'nfs1', 2, [{ pid: 4242, comm: 'flock' }], ['/srv/bob'], { notRespondingSeconds: 300 }],
  ],
  disconnectRefused: [['/home', 1000, '/home is not in your home /home/bob: only root and the admin-group may disconnect it']],
  disconnectFailed: [
    [
      '/home',
      'this kernel (6.1.0-28-amd64) has no NFS shutdown (no /sys/fs/nfs/0:52/shutdown: Linux 6.6 added it): umount -f aborted only the requests in flight and it is still mounted (/home is still in use by bash[812] (cwd) after its requests were aborted (--lazy detaches it anyway)): the next access blocks again; 2 programs stay blocked until the server answers: ls[813], cat[814]',
    ],
  ],
  disconnectedServerBack: [['/home', 'nfs1']],
};
