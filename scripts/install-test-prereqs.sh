#!/usr/bin/env bash
# Installs what the tests need on Debian 12 (run as root): a C compiler for the probe fork server and
# the FUSE fixture, FUSE and bindfs for real hung/failing mounts, autofs for the automounter tests,
# rsyslog for the syslog tests, D-Bus + a notification server + Xvfb for the notification tests, and
# Chromium for the status-window tests (playwright-core drives Debian's chromium; no browser download),
# and for the helper .deb: dpkg-dev, lintian and groff/man to build and check it, debootstrap and
# systemd-container to boot a Debian 12 under a live systemd (test/build/systemd-live).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-prereqs: run as root (apt-get install)" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  build-essential pkg-config util-linux procps python3 \
  fuse3 libfuse3-dev bindfs \
  autofs \
  rsyslog \
  dbus dbus-x11 libnotify-bin notification-daemon xvfb xauth \
  chromium fonts-dejavu-core \
  tmux systemd desktop-file-utils \
  dpkg-dev lintian groff-base man-db debootstrap systemd-container >/dev/null
