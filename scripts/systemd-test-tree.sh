#!/usr/bin/env bash
# Makes (once) and prints the path of a Debian 12 root tree that systemd-nspawn boots for the live
# systemd tests (test/build/systemd-live.integration.test.ts). Built by debootstrap from Debian's own
# mirror (the one this machine's apt uses), cached under /var/cache so later runs only boot it; the
# tests boot it with --volatile=overlay, so the cache is never written to.
#
# Rebuilt when missing, when the recipe below changes, or when older than MAX_AGE_DAYS (its packages
# would drift from the Debian 12 point release an admin installs on). Concurrent callers wait on a lock.
#
#   scripts/systemd-test-tree.sh            # prints e.g. /var/cache/mount-status-monitor-test/bookworm/rootfs
#   MSM_TEST_TREE_CACHE=/elsewhere ...      # another cache directory
set -euo pipefail

CACHE=${MSM_TEST_TREE_CACHE:-/var/cache/mount-status-monitor-test/bookworm}
MAX_AGE_DAYS=30
SUITE=bookworm
# What a stock Debian 12 server has that the tests use: systemd as init, apt to install our .deb,
# Debian's automounter for the "an idle automount still expires" test; man-db for the unit's man page.
PACKAGES=systemd,systemd-sysv,dbus,autofs,man-db
# Units that would only slow the boot or reach the network from inside the container.
MASK="apt-daily.timer man-db.timer apt-daily-upgrade.timer fstrim.timer e2scrub_all.timer systemd-firstboot.service console-getty.service"
RECIPE="v2 suite=$SUITE variant=minbase packages=$PACKAGES mask=$MASK"

if [ "$(id -u)" -ne 0 ]; then
  echo "systemd-test-tree: run as root (debootstrap)" >&2
  exit 2
fi
command -v debootstrap >/dev/null || { echo "systemd-test-tree: needs debootstrap (apt package debootstrap)" >&2; exit 2; }

# The mirror this machine's apt fetches Debian from (deb822 sources first, then one-line sources);
# debootstrap's own default when none is found.
mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    awk -v suite="$SUITE" '
      /^[ \t]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (uri != "" && ok) print uri }' "$f" | head -n1
  done | head -n1
  awk -v suite="$SUITE" '$1 == "deb" && $0 !~ /\[/ && $3 == suite { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true
}

mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9

fresh() {
  [ -f "$CACHE/rootfs/usr/lib/systemd/systemd" ] || return 1
  [ "$(cat "$CACHE/recipe" 2>/dev/null)" = "$RECIPE" ] || return 1
  [ -z "$(find "$CACHE/recipe" -mtime +"$MAX_AGE_DAYS")" ] || return 1
}

if ! fresh; then
  url=$(mirror | head -n1)
  echo "systemd-test-tree: building $CACHE/rootfs with debootstrap ($SUITE, ${url:-the default mirror}); a few minutes, once" >&2
  start=$(date +%s)
  rm -rf "$CACHE/rootfs.new"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$CACHE/rootfs.new" ${url:+"$url"} >"$CACHE/debootstrap.log" 2>&1 || {
    tail -n 20 "$CACHE/debootstrap.log" >&2
    echo "systemd-test-tree: debootstrap failed; full log in $CACHE/debootstrap.log" >&2
    exit 1
  }
  root=$CACHE/rootfs.new
  for unit in $MASK; do ln -sf /dev/null "$root/etc/systemd/system/$unit"; done
  # A machine id of its own: without one every boot is a "first boot" (machine-id(5)).
  systemd-machine-id-setup --root="$root" >/dev/null
  echo msm-test >"$root/etc/hostname"
  apt-get -o RootDir="$root" clean 2>/dev/null || rm -rf "$root"/var/cache/apt/archives/*.deb
  rm -rf "$CACHE/rootfs"
  mv "$root" "$CACHE/rootfs"
  echo "$RECIPE" >"$CACHE/recipe"
  echo "systemd-test-tree: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$CACHE/rootfs"
