#!/usr/bin/env bash
# Installs what the tests need on Debian 12 (run as root): a C compiler for the probe fork server and
# the FUSE fixture, FUSE and bindfs for real hung/failing mounts, autofs for the automounter tests,
# rsyslog for the syslog tests, D-Bus + a notification server + Xvfb for the notification tests, a tray
# watcher (status-notifier-watcher) and python3-gi for a tray host in the tray-host tests, and
# Chromium for the status-window tests (playwright-core drives Debian's chromium; no browser download).
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
  haskell-status-notifier-item-utils python3-gi gir1.2-glib-2.0 >/dev/null
