#!/usr/bin/env bash
# Installs what the tests need on Debian 12 (run as root): first what building the app needs
# (install-prereqs.sh: a C compiler, make, npm), then FUSE and bindfs for real hung/failing mounts,
# autofs for the automounter tests, rsyslog for the syslog tests, D-Bus + a notification server + Xvfb
# for the notification tests (python3-gi's Gdk for their screenshot), a tray watcher (status-notifier-watcher) and python3-gi for a tray host
# in the tray-host tests, Chromium for the status-window tests (playwright-core drives Debian's
# chromium; no browser download), sshd + sshfs + nftables + iproute2 for a real network outage
# (test/support/sshfs-netns.ts), and for the helper .deb: dpkg-dev, lintian and groff/man to build and
# check it, debootstrap and systemd-container to boot a Debian 12 under a live systemd
# (test/build/systemd-live) and a fresh Debian 12 for README's first command (test/build/fresh-machine),
# and qemu (with e2fsprogs' mkfs.ext4 -d) to boot the lab's Debian guest, whose kernel has NFS, autofs and
# CIFS (test/support/lab.ts).
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

bash "$(dirname "$0")/install-prereqs.sh"
apt-get install -y -qq --no-install-recommends \
  pkg-config util-linux procps python3 \
  fuse3 libfuse3-dev bindfs \
  autofs \
  rsyslog \
  dbus dbus-x11 libnotify-bin notification-daemon xvfb xauth \
  chromium fonts-dejavu-core \
  tmux systemd desktop-file-utils \
  dpkg-dev lintian groff-base man-db debootstrap systemd-container \
  haskell-status-notifier-item-utils python3-gi gir1.2-glib-2.0 gir1.2-gtk-3.0 \
  openssh-server openssh-client sshfs nftables iproute2 \
  qemu-system-x86 e2fsprogs >/dev/null

# Prometheus, promtool, node_exporter, Alertmanager and amtool for the metrics tests (test/helper/metrics/),
# which run their own instances on free loopback ports with temp dirs, ended by PID. The packages'
# postinsts would enable and start prometheus.service (:9090, every address),
# prometheus-node-exporter.service (:9100) and prometheus-alertmanager.service (:9093, :9094): when we
# are the ones installing them, a policy-rc.d that exits 101 forbids the start (invoke-rc.d(8), honoured
# by deb-systemd-invoke), and the units are disabled afterwards (and stopped if a systemd runs), so no
# boot starts them either. An existing install, and a policy-rc.d we did not write, are left alone.
metrics_new=()
for p in prometheus prometheus-node-exporter prometheus-alertmanager; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || metrics_new+=("$p")
done
if [ "${#metrics_new[@]}" -gt 0 ]; then
  metrics_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# written by install-test-prereqs.sh for the prometheus install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    metrics_policy=1
  fi
  metrics_status=0
  apt-get install -y -qq --no-install-recommends "${metrics_new[@]}" >/dev/null || metrics_status=$?
  [ -n "$metrics_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ "$metrics_status" -eq 0 ] || exit "$metrics_status"
  metrics_units=()
  for p in "${metrics_new[@]}"; do metrics_units+=("$p.service"); done
  systemctl disable --quiet "${metrics_units[@]}" 2>/dev/null || true
  if [ -d /run/systemd/system ]; then systemctl stop "${metrics_units[@]}" 2>/dev/null || true; fi
fi
