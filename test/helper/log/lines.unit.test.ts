// The log lines are the contract with admins: the seed's four lines byte-exact, plurals included, the
// new ones in the same voice, every one a single line whatever the mountpoint is called, and short enough
// that syslog keeps the errno after a monstrous path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lines from '../../../src/helper/log/lines.js';
import { escapeControlChars, logText, MAX_LOG_TEXT_BYTES } from '../../../src/helper/log/escape.js';
import { formatDuration, formatMode } from '../../../src/helper/log/words.js';
import { errnoText } from '../../../src/node/errno-text.js';
import { formatStderrLine } from '../../../src/helper/log/stderr-sink.js';
import { pri } from '../../../src/helper/log/severity.js';

test('the seed lines come out byte-exact', () => {
  assert.deepEqual(lines.checked(42, 0, 0), { severity: 'info', text: 'Checked 42 mounts in 0 seconds' });
  assert.deepEqual(lines.checked(37, 60, 1), { severity: 'warning', text: 'Checked 37 mounts in 60 seconds: 1 dead' });
  assert.deepEqual(lines.timedOut(30686), { severity: 'err', text: 'Timed out waiting for child process 30686: sending SIGKILL' });
  assert.deepEqual(lines.denied('/example', 0o4000), {
    severity: 'warning',
    text: "Couldn't check mountpoint /example: mode 4000 does not allow access",
  });
});

test('the summary rounds seconds, keeps the seed\'s plurals for one, and only mentions dead mounts when there are some', () => {
  // `Checked %u mounts in %i seconds`: an admin's pattern for it must match a one-mount, one-second sweep too.
  assert.equal(lines.checked(1, 1, 0).text, 'Checked 1 mounts in 1 seconds');
  assert.equal(lines.checked(1, 1, 1).text, 'Checked 1 mounts in 1 seconds: 1 dead');
  assert.equal(lines.checked(0, 0.4, 0).text, 'Checked 0 mounts in 0 seconds');
  assert.equal(lines.checked(2, 0.6, 0).text, 'Checked 2 mounts in 1 seconds');
  assert.equal(lines.checked(1000, 12.4, 3).text, 'Checked 1000 mounts in 12 seconds: 3 dead');
  assert.equal(lines.checked(3, -0.1, 0).text, 'Checked 3 mounts in 0 seconds');
});

test('modes print as %03o of the permission bits', () => {
  assert.equal(formatMode(0o4000), '4000');
  assert.equal(formatMode(0), '000');
  assert.equal(formatMode(0o700), '700');
  assert.equal(formatMode(0o40755), '755'); // st_mode with S_IFDIR: type bits are not printed
  assert.equal(formatMode(0o1777), '1777');
});

test('errno failures name the errno and say what it means in glibc strerror words', () => {
  assert.deepEqual(lines.errnoFailure('/mnt/x', 'ENOTCONN'), {
    severity: 'err',
    text: "Couldn't check mountpoint /mnt/x: ENOTCONN: Transport endpoint is not connected",
  });
  assert.equal(lines.errnoFailure('/mnt/x', 'ESTALE').text, "Couldn't check mountpoint /mnt/x: ESTALE: Stale file handle");
  assert.equal(lines.errnoFailure('/mnt/x', 'EIO').text, "Couldn't check mountpoint /mnt/x: EIO: Input/output error");
  assert.equal(lines.errnoFailure('/mnt/x', 'EFOO').text, "Couldn't check mountpoint /mnt/x: EFOO");
  assert.equal(lines.errnoFailure('/mnt/x', 'EIO', 'custom').text, "Couldn't check mountpoint /mnt/x: EIO: custom");
  // A permission errno on the way is a denial: a warning, the errno named once, the refused call after it.
  assert.deepEqual(lines.deniedByErrno('/x', 'EACCES', 'opendir'), {
    severity: 'warning',
    text: "Couldn't check mountpoint /x: EACCES: Permission denied (at opendir)",
  });
  // Not in our table: libuv's text, capitalised.
  assert.equal(errnoText('EPIPE'), 'Broken pipe');
  assert.equal(errnoText('ENOTANERRNO'), undefined);
});

test('stuck probes, recovery, servers, and the rest', () => {
  assert.deepEqual(lines.stuck(30686, '/mnt/x', 90), {
    severity: 'err',
    text: 'Child process 30686 for /mnt/x is still stuck 90 seconds after SIGKILL; not probing it again until it exits',
  });
  assert.equal(
    lines.stuck(30686, '/mnt/x', 150).text,
    'Child process 30686 for /mnt/x is still stuck 2 minutes after SIGKILL; not probing it again until it exits',
  );
  assert.deepEqual(lines.stuckExited(30686, '/mnt/x', 600), {
    severity: 'notice',
    text: 'Child process 30686 for /mnt/x exited after being stuck for 10 minutes; probing it again',
  });
  assert.deepEqual(lines.recovered('/mnt/x', 180), { severity: 'notice', text: 'Mountpoint /mnt/x is responding again after 3 minutes' });
  assert.deepEqual(lines.notResponding('/mnt/x', 10), {
    severity: 'err',
    text: 'Mountpoint /mnt/x is not responding: no answer within 10 seconds',
  });
  assert.deepEqual(lines.serverDown('nfs1', 3), { severity: 'err', text: 'Server nfs1: 3 mounts not responding' });
  assert.equal(lines.serverDown('nfs1', 1).text, 'Server nfs1: 1 mount not responding');
  assert.deepEqual(lines.serverUp('nfs1'), { severity: 'notice', text: 'Server nfs1 is responding again' });
  assert.deepEqual(lines.nonRoot(1000), {
    severity: 'notice',
    text: "Running as uid 1000: probes cannot switch to each mountpoint's owner, so mounts this user cannot list are reported as denied",
  });
  assert.deepEqual(lines.configKept('/etc/m.conf:2: interval: expected a number'), {
    severity: 'warning',
    text: 'Kept the previous settings: /etc/m.conf:2: interval: expected a number',
  });
  assert.deepEqual(lines.mountTableLine('/proc/self/mountinfo', 12, 'no " - " separator', '36 35 98:0 /mnt1\n'), {
    severity: 'warning',
    text: 'Skipped line 12 of /proc/self/mountinfo: no " - " separator: 36 35 98:0 /mnt1\\012',
  });
  assert.equal(
    lines.mountTableUnreadable('/proc/self/mountinfo', 'EACCES', "EACCES: permission denied, open '/proc/self/mountinfo'").text,
    "Couldn't read the mount table /proc/self/mountinfo: EACCES: Permission denied; skipping this sweep",
  );
  assert.equal(
    lines.mountTableUnreadable('/sbin/mount', undefined, 'did not finish within 10000 ms').text,
    "Couldn't read the mount table /sbin/mount: did not finish within 10000 ms; skipping this sweep",
  );
  assert.deepEqual(lines.stopping(), { severity: 'notice', text: 'Stopping' });
  assert.equal(lines.syslogDropped(1).text, 'Dropped 1 log message while syslog was not accepting them');
  assert.equal(
    lines.syslogUnavailable(12, 'socket /dev/log: No such file or directory').text,
    'Syslog was unavailable (socket /dev/log: No such file or directory): 12 log messages went to standard error only',
  );
});

test('recovery lines: what was unmounted, for whom or after how long, and how many programs it freed', () => {
  assert.deepEqual(lines.unmounted('/mnt/x', 'nfs1', 'unmounted', 0, { notRespondingSeconds: 300 }, 3), {
    severity: 'warning',
    text: 'Force-unmounted /mnt/x (server nfs1) after 5 minutes not responding: 3 blocked processes released',
  });
  assert.equal(lines.unmounted('/mnt/x', undefined, 'unmounted', 0, { uid: 0 }, 1).text, 'Force-unmounted /mnt/x as asked by uid 0: 1 blocked process released');
  assert.equal(lines.unmounted('/mnt/x', 'h', 'detached', 2, { uid: 1000 }, 0).text, 'Lazily unmounted /mnt/x and 2 mounts under it (server h) as asked by uid 1000');
  assert.deepEqual(lines.unmountRefused('/mnt/x', 1000, 'only root may unmount (no admin-group is configured)'), {
    severity: 'warning',
    text: 'Refused to unmount /mnt/x for uid 1000: only root may unmount (no admin-group is configured)',
  });
  assert.deepEqual(lines.unmountFailed('/mnt/x', 'it is still in use'), { severity: 'err', text: "Couldn't unmount /mnt/x: it is still in use" });
  assert.deepEqual(lines.automountExpireAsked('/home/bob', 812), {
    severity: 'notice',
    text: 'Asked the automount daemon (pid 812) to expire unused mounts before unmounting /home/bob',
  });
  assert.equal(lines.recoverPostponed('/mnt/x', 3, 600).text, "Not unmounting /mnt/x yet: the recover policy's limit of 3 unmounts in 10 minutes is reached");
  assert.equal(lines.unmountFailed('/mnt/a\nb', 'x\ny').text, "Couldn't unmount /mnt/a\\012b: x\\012y", 'one line, escaped');
});

test('durations are whole units, rounded down', () => {
  assert.equal(formatDuration(0), '0 seconds');
  assert.equal(formatDuration(1), '1 second');
  assert.equal(formatDuration(119.9), '119 seconds');
  assert.equal(formatDuration(120), '2 minutes');
  assert.equal(formatDuration(7199), '119 minutes');
  assert.equal(formatDuration(7200), '2 hours');
  assert.equal(formatDuration(48 * 3600), '2 days');
});

test('a mountpoint with any control character stays on one line, escaped like /proc/self/mountinfo', () => {
  assert.equal(logText('/mnt/a\nb'), '/mnt/a\\012b');
  assert.equal(logText('/mnt/tab\tcr\rnul\0del\x7f'), '/mnt/tab\\011cr\\015nul\\000del\\177');
  assert.equal(logText('/mnt/back\\slash'), '/mnt/back\\134slash');
  assert.equal(logText('/mnt/with space/ünï€😀'), '/mnt/with space/ünï€😀');
  assert.equal(logText('/mnt/c1\u0085ls\u2028'), '/mnt/c1\\302\\205ls\\342\\200\\250');
  for (const name of ['/a\nb', '/a\rb', '/a\u2028b', '/a\u0085b', '/a\x1bb']) {
    const { text } = lines.denied(name, 0);
    assert.ok(!/[\x00-\x1f\x7f\u0080-\u009f\u2028\u2029]/u.test(text), JSON.stringify(text));
  }
  // Free text keeps backslashes but loses control characters.
  assert.equal(escapeControlChars('a\\b\nc'), 'a\\b\\012c');
});

test('priorities and the stderr formats', () => {
  assert.equal(pri('info'), 30); // daemon(3) * 8 + info(6)
  assert.equal(pri('warning'), 28);
  assert.equal(pri('err'), 27);
  const line = lines.checked(37, 60, 1);
  assert.equal(formatStderrLine(line, 'sd-daemon', 99), '<4>Checked 37 mounts in 60 seconds: 1 dead\n');
  assert.equal(formatStderrLine(line, 'plain', 99), 'MountStatusMonitor[99]: warning: Checked 37 mounts in 60 seconds: 1 dead\n');
});

test('start and reload: the schedule as given, singular for one second (new lines say "1 second")', () => {
  assert.deepEqual(lines.starting(1000, { intervalSeconds: 1, timeoutSeconds: 1, watchIntervalSeconds: 1, slowAfterSeconds: 1 }), {
    severity: 'notice',
    text: 'Starting as uid 1000: checking mounts every 1 second (watched ones every 1 second), slow after 1 second, timeout 1 second',
  });
  assert.equal(
    lines.starting(0, { intervalSeconds: 60, timeoutSeconds: 10, watchIntervalSeconds: 1, slowAfterSeconds: 1.5 }, '/etc/m.conf').text,
    'Starting as root: checking mounts every 60 seconds (watched ones every 1 second), slow after 1.5 seconds, timeout 10 seconds, settings from /etc/m.conf',
  );
  assert.equal(
    lines.reloaded('/etc/m.conf', { intervalSeconds: 0.5, timeoutSeconds: 2, watchIntervalSeconds: 2, slowAfterSeconds: 2 }).text,
    'Reloaded /etc/m.conf: checking mounts every 0.5 seconds (watched ones every 2 seconds), slow after 2 seconds, timeout 2 seconds',
  );
});

test('the monitor\'s other lines: kernel reports, automount daemons, one mount or many', () => {
  assert.deepEqual(lines.kernelSignal('nfs1', 'timed-out', 1), { severity: 'warning', text: 'Kernel reports server nfs1 not responding: probing its 1 mount now' });
  assert.deepEqual(lines.kernelSignal('nfs1', 'ok', 2), { severity: 'notice', text: 'Kernel reports server nfs1 OK: probing its 2 mounts now' });
  assert.deepEqual(lines.automountDaemonGone('/net', 901, true), {
    severity: 'warning',
    text: 'automount daemon (pgrp 901) is gone and autofs went catatonic: new accesses under /net fail (ENOENT) instead of mounting',
  });
  assert.equal(lines.automountDaemonGone('/a\nb', 9, false).text, 'automount daemon (pgrp 9) is gone: new accesses under /a\\012b will hang or fail');
  assert.deepEqual(lines.automountDaemonBack('/net', 901), { severity: 'notice', text: 'automount daemon for /net is back (pgrp 901)' });
  const client = { id: 7, name: '', peer: { uid: 1000, pid: 55 } };
  assert.equal(lines.droppedClient(client, 'flood').text, 'Dropped IPC client 7 of uid 1000 (pid 55): flood');
  assert.equal(lines.droppedClient({ ...client, name: 'evil\nname' }, 'x').text, 'Dropped IPC client 7 of uid 1000 (pid 55, evil\\012name): x');
});

test('a 4.6 MB mountpoint: its line keeps head, tail, the marker and the errno, within the writer\'s 4096 bytes', () => {
  // A deep mount: 3,000 nested 255-byte names of control bytes, each \001 once escaped.
  const path = `/tmp/u/deep/${Array(3000).fill('\x01'.repeat(255)).join('/')}/a/mnt`;
  const full = Buffer.byteLength(path);
  const { severity, text } = lines.errnoFailure(path, 'ENAMETOOLONG');
  assert.equal(severity, 'err');
  assert.ok(Buffer.byteLength(text) < 4096 - 200, `${Buffer.byteLength(text)} bytes`);
  assert.match(text, new RegExp(`^Couldn't check mountpoint /tmp/u/deep/(\\\\001)+…\\[${full} bytes, sha256 [0-9a-f]{12}\\]…(\\\\001)+/a/mnt: ENAMETOOLONG: File name too long$`));
  // Every kind of text is bounded once escaped: controls (4 bytes each), C1 and U+2028 (12), astral pairs (4), lone surrogates.
  for (const unit of ['a', '\x01', '\\', '\u0085', '\u2028', '😀', '\udcff', '\ud800', 'é']) {
    for (const n of [200, 1000, 5000]) {
      const cut = logText(unit.repeat(n));
      assert.ok(Buffer.byteLength(cut) <= MAX_LOG_TEXT_BYTES, `${JSON.stringify(unit)} x ${n}: ${Buffer.byteLength(cut)} bytes`);
    }
  }
  assert.equal(logText('/mnt/x'), '/mnt/x', 'a short path is as it was');
  const exact = 'a'.repeat(MAX_LOG_TEXT_BYTES);
  assert.equal(logText(exact), exact, 'up to the last byte of the bound');
  assert.notEqual(logText(exact + 'a'), exact + 'a');
  // Two texts in one line stay within the writer's line: the unmount line with a monster path and reason.
  const two = lines.unmountFailed(path, `${path} is still in use by vim[4242] (cwd)`).text;
  assert.ok(Buffer.byteLength(two) < 2 * MAX_LOG_TEXT_BYTES + 100);
  assert.match(two, /is still in use by vim\[4242\] \(cwd\)$/, 'the reason\'s end survives');
});
