#!/usr/bin/env bash
# Makes (once) and prints the directory of a bootable Debian guest for the qemu lab (test/support/lab.ts):
# rootfs.ext4 (made straight from a debootstrap tree with `mkfs.ext4 -d`, no loop mount), and the tree's
# own vmlinuz and initrd.img. The guest has what the kernel-level scenarios need and this machine's kernel
# lacks: the NFS client and server, autofs, CIFS and Samba, FUSE, nftables and netem.
#
# Cached under /var/cache/mount-status-monitor-test/lab/SUITE, keyed by a hash of this script (the recipe):
# rebuilt when missing, when this file changes, or when older than MAX_AGE_DAYS (its packages would drift
# from the point release an admin runs). The guest boots it with qemu -snapshot, so the cache is never
# written to. Concurrent callers wait on a lock.
#
#   scripts/lab-image.sh            # Debian 13 (trixie, kernel 6.12): prints e.g. /var/cache/…/lab/trixie
#   scripts/lab-image.sh bookworm   # Debian 12 (kernel 6.1), for where the two kernels differ
#   MSM_LAB_CACHE=/elsewhere ...    # another cache directory
set -euo pipefail

SUITE=${1:-trixie}
case "$SUITE" in trixie | bookworm) ;; *) echo "lab-image: unknown release $SUITE (trixie or bookworm)" >&2; exit 2 ;; esac
CACHE=${MSM_LAB_CACHE:-/var/cache/mount-status-monitor-test/lab}/$SUITE
MAX_AGE_DAYS=30
# The kernel and init; NFS server and client, the automounter, Samba and the CIFS client, FUSE; nftables
# and iproute2 (tc netem; sch_netem is in the kernel's modules) to cut a server off; python3 for the tests'
# mmap helper; a C compiler and libfuse3-dev for the tests' FUSE fixture (built in the guest: its libfuse
# differs from the host's). Installed with apt inside the tree, which resolves virtual packages
# (libfuse3-dev needs libselinux-dev) where debootstrap's --include does not.
PACKAGES="linux-image-amd64 systemd-sysv udev kmod procps util-linux e2fsprogs iproute2 nftables nfs-kernel-server nfs-common autofs samba cifs-utils fuse3 python3 gcc libc6-dev pkg-config libfuse3-dev"
# The initrd needs only what mounts the root (virtio disk, ext4): a small one is made and loaded faster.
INITRD_MODULES="virtio_pci virtio_blk ext4"
# Services a scenario starts itself when it wants them, and units that only slow the boot.
DISABLE="nfs-server.service autofs.service smbd.service nmbd.service samba-ad-dc.service rpcbind.service rpcbind.socket"
MASK="apt-daily.timer apt-daily-upgrade.timer man-db.timer fstrim.timer e2scrub_all.timer e2scrub_reap.service systemd-firstboot.service getty@tty1.service serial-getty@ttyS0.service serial-getty@ttyS1.service console-getty.service"
RECIPE="$SUITE $(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"

if [ "$(id -u)" -ne 0 ]; then
  echo "lab-image: run as root (debootstrap)" >&2
  exit 2
fi
for cmd in debootstrap:debootstrap mkfs.ext4:e2fsprogs; do
  command -v "${cmd%%:*}" >/dev/null || { echo "lab-image: needs ${cmd%%:*} (apt package ${cmd#*:})" >&2; exit 2; }
done

# The Debian archive this machine's apt uses (the URI of a deb822 stanza or one-line source for its own
# release, security excluded): it serves every release. debootstrap's default when none is found.
mirror() {
  local own f
  own=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    awk -v suite="$own" '
      /^[ \t]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (uri != "" && ok) print uri }' "$f" | head -n1
  done
  awk -v suite="$own" '$1 == "deb" && $0 !~ /\[/ && $3 == suite { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true
}

mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9

fresh() {
  [ -f "$CACHE/rootfs.ext4" ] && [ -f "$CACHE/vmlinuz" ] && [ -f "$CACHE/initrd.img" ] || return 1
  [ "$(cat "$CACHE/recipe" 2>/dev/null)" = "$RECIPE" ] || return 1
  [ -z "$(find "$CACHE/recipe" -mtime +"$MAX_AGE_DAYS")" ] || return 1
}

if ! fresh; then
  url=$(mirror | head -n1)
  echo "lab-image: building $CACHE with debootstrap ($SUITE, ${url:-the default mirror}); a few minutes, once" >&2
  start=$(date +%s)
  root=$CACHE/rootfs.new
  # --one-file-system: a build killed midway may leave debootstrap's /proc or /dev mounted in the tree.
  rm -rf --one-file-system "$root" "$CACHE/rootfs.ext4" "$CACHE/recipe"
  debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    "$SUITE" "$root" ${url:+"$url"} >"$CACHE/debootstrap.log" 2>&1 || {
    tail -n 20 "$CACHE/debootstrap.log" >&2
    echo "lab-image: debootstrap failed; full log in $CACHE/debootstrap.log" >&2
    exit 1
  }
  mkdir -p "$root/etc/initramfs-tools/conf.d"
  echo MODULES=list >"$root/etc/initramfs-tools/conf.d/msm-lab"
  printf '%s\n' $INITRD_MODULES >>"$root/etc/initramfs-tools/modules"
  # No service may start while packages are installed (invoke-rc.d(8)); /proc, /sys and /dev for the
  # maintainer scripts, in a mount namespace of this build's own so nothing outlives it.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  unshare -m --propagation private sh -c '
    mount -t proc proc "$1/proc" && mount -t sysfs sysfs "$1/sys" && mount --rbind /dev "$1/dev" &&
    chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $2' sh "$root" "$PACKAGES" >>"$CACHE/debootstrap.log" 2>&1 || {
    tail -n 20 "$CACHE/debootstrap.log" >&2
    echo "lab-image: installing the packages failed; full log in $CACHE/debootstrap.log" >&2
    exit 1
  }
  rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
  for unit in $DISABLE; do chroot "$root" systemctl disable --quiet "$unit" 2>/dev/null || true; done
  for unit in $MASK; do ln -sf /dev/null "$root/etc/systemd/system/$unit"; done
  # A machine id of its own: without one every boot is a "first boot" (machine-id(5)).
  systemd-machine-id-setup --root="$root" >/dev/null
  echo msm-lab >"$root/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 msm-lab\n::1 localhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$root/etc/fstab"
  passwd -R "$root" -d root >/dev/null

  # The guest's one job: mount the host's 9p share (tag "lab") and run the boot script the host put there,
  # then power off. 9pnet_virtio is loaded and udev settled first, and the mount retried: without that
  # about one boot in five lost the share ("no channels available").
  cat >"$root/usr/local/sbin/msm-lab-boot" <<'EOF'
#!/bin/sh
modprobe 9pnet_virtio
modprobe 9p
udevadm settle --timeout=20
mkdir -p /lab
tries=0
until mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 lab /lab; do
  tries=$((tries + 1))
  if [ "$tries" -ge 40 ]; then
    echo "msm-lab: the host's 9p share (tag lab) did not mount" >/dev/console
    poweroff -f
  fi
  sleep 0.5
done
sh /lab/boot.sh
sync
umount /lab
poweroff -f
EOF
  chmod 755 "$root/usr/local/sbin/msm-lab-boot"
  cat >"$root/etc/systemd/system/msm-lab.service" <<'EOF'
[Unit]
Description=Mount Status Monitor lab: the host's script
After=systemd-udev-settle.service systemd-modules-load.service local-fs.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/msm-lab-boot
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
EOF
  ln -sf /etc/systemd/system/msm-lab.service "$root/etc/systemd/system/multi-user.target.wants/msm-lab.service"

  cp -L "$root/vmlinuz" "$CACHE/vmlinuz.new"
  cp -L "$root/initrd.img" "$CACHE/initrd.img.new"
  apt-get -o RootDir="$root" clean 2>/dev/null || rm -rf "$root"/var/cache/apt/archives/*.deb
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/boot/*
  # Room for what scenarios write (exports, homes, logs): the tree's size and 1 GiB free. The file is
  # sparse; qemu -snapshot keeps the guest's writes out of it.
  size_mb=$(( $(du -sm "$root" | cut -f1) + 1024 ))
  mkfs.ext4 -q -F -L msm-lab -d "$root" "$CACHE/rootfs.ext4.new" "${size_mb}M"
  mv "$CACHE/vmlinuz.new" "$CACHE/vmlinuz"
  mv "$CACHE/initrd.img.new" "$CACHE/initrd.img"
  mv "$CACHE/rootfs.ext4.new" "$CACHE/rootfs.ext4"
  rm -rf "$root"
  echo "$RECIPE" >"$CACHE/recipe"
  echo "lab-image: built in $(( $(date +%s) - start )) s, $(du -m --apparent-size "$CACHE/rootfs.ext4" | cut -f1) MB image ($(du -m "$CACHE/rootfs.ext4" | cut -f1) MB used)" >&2
fi
echo "$CACHE"
