#!/usr/bin/env bash
# Installs what the tests need on Debian 12 (run as root): a C compiler for the probe fork server and
# the FUSE fixture, FUSE and bindfs for real hung/failing mounts, autofs for the automounter tests,
# rsyslog for the syslog tests, D-Bus + a notification server + Xvfb for the notification tests, and
# Chromium for the status-window tests (playwright-core drives Debian's chromium; no browser download),
# and sshd + sshfs + nftables + iproute2 for a real network outage (test/support/sshfs-netns.ts).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-prereqs: run as root (apt-get install)" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive

# openssh-server's postinst starts the system sshd on port 22 (invoke-rc.d/deb-systemd-invoke); the tests
# run their own sshd inside a network namespace and the host must not get a listening one from us. A
# policy-rc.d that exits 101 forbids service starts during the install (invoke-rc.d(8)), and
# /etc/ssh/sshd_not_to_be_run keeps sshd from starting at a later boot (ssh.service's
# ConditionPathExists, the same test in /etc/init.d/ssh). Both only when we are the ones installing it:
# an existing sshd setup is left alone, and so is a policy-rc.d we did not write (Docker images ship one).
if ! dpkg-query -W -f '${Status}' openssh-server 2>/dev/null | grep -q 'install ok installed'; then
  mkdir -p /etc/ssh
  touch /etc/ssh/sshd_not_to_be_run
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# written by install-test-prereqs.sh for the openssh-server install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
fi

apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  build-essential pkg-config util-linux procps python3 \
  fuse3 libfuse3-dev bindfs \
  autofs \
  rsyslog \
  dbus dbus-x11 libnotify-bin notification-daemon xvfb xauth \
  chromium fonts-dejavu-core \
  tmux systemd desktop-file-utils \
  openssh-server openssh-client sshfs nftables iproute2 >/dev/null
