#!/bin/sh
# deb postinst / rpm %post for Mount Status Monitor (electron-builder `deb.afterInstall`/`rpm.afterInstall`,
# run through fpm). electron-builder replaces the two macros written with braces below (executable name,
# product directory) when it builds the package; every other shell variable here is written without
# braces because an unknown braced macro fails the build (app-builder-lib FpmTarget writeConfigFile).
# POSIX sh: rpm runs scriptlets with /bin/sh whatever the first line says.
#
# Arguments: deb `configure [previous-version]` (deb-postinst(5)); rpm `1` on install, `2` on upgrade.
APP='/opt/${sanitizedProductName}'
EXE='${executable}'
RES="$APP/resources"
UNIT=mount-status-monitor.service
UNITDIR=/lib/systemd/system

upgrade=no
case "$1" in
  configure) [ -n "$2" ] && upgrade=yes ;;
  [2-9]) upgrade=yes ;;
esac

# --- What electron-builder's default after-install.tpl does (this file replaces it) ---
if command -v update-alternatives >/dev/null 2>&1; then
  if [ -L "/usr/bin/$EXE" ] && [ "$(readlink "/usr/bin/$EXE")" != "/etc/alternatives/$EXE" ]; then
    rm -f "/usr/bin/$EXE"
  fi
  update-alternatives --install "/usr/bin/$EXE" "$EXE" "$APP/$EXE" 100 || ln -sf "$APP/$EXE" "/usr/bin/$EXE"
else
  ln -sf "$APP/$EXE" "/usr/bin/$EXE"
fi
# --- chrome-sandbox: begin (test/main/launch/chrome-sandbox.integration.test.ts runs this block) ---
# Chromium sandboxes with unprivileged user namespaces, or else needs chrome-sandbox setuid root; with
# neither the app dies at start. Decided on each install, and tested as an unprivileged user (nobody):
# as root the test always passes, even where users cannot create namespaces (electron-builder#8951;
# Debian's kernel.unprivileged_userns_clone=0, user.max_user_namespaces=0). `unshare -Ur` also fails
# under Ubuntu 24.04's AppArmor restriction; the profile installed below may then allow the app after
# all, and a setuid helper is only unused, never unsafe.
if [ -e "$APP/chrome-sandbox" ]; then
  if command -v setpriv >/dev/null 2>&1 && setpriv --reuid=65534 --regid=65534 --clear-groups -- unshare --user --map-root-user true 2>/dev/null; then
    chmod 0755 "$APP/chrome-sandbox" || true
  else
    chown root:root "$APP/chrome-sandbox" && chmod 4755 "$APP/chrome-sandbox" || true
  fi
fi
# --- chrome-sandbox: end ---
command -v update-desktop-database >/dev/null 2>&1 && { update-desktop-database /usr/share/applications || true; }
# Ubuntu 24.04+ restricts unprivileged user namespaces through AppArmor; electron-builder ships a
# profile for the app (https://github.com/electron-userland/electron-builder/issues/8635).
if [ -f "$RES/apparmor-profile" ] && apparmor_status --enabled >/dev/null 2>&1; then
  if apparmor_parser --skip-kernel-load --debug "$RES/apparmor-profile" >/dev/null 2>&1; then
    cp -f "$RES/apparmor-profile" "/etc/apparmor.d/$EXE"
    if ! { [ -x /usr/bin/ischroot ] && /usr/bin/ischroot; }; then
      apparmor_parser --replace --write-cache --skip-read-cache "/etc/apparmor.d/$EXE" || true
    fi
  fi
fi

# --- The helper as a system service ---
# `mountstatus` on the PATH: resources/bin/mountstatus runs the CLI with the app's Electron as Node.
ln -sf "$RES/bin/mountstatus" /usr/bin/mountstatus
# The admin's config is never overwritten; the sample documents every key.
if [ ! -e /etc/mount-status-monitor.conf ]; then
  install -m 0644 "$RES/service/mount-status-monitor.conf" /etc/mount-status-monitor.conf
fi
# The tray app in every graphical session (XDG Autostart spec: $XDG_CONFIG_DIRS/autostart, default /etc/xdg).
install -D -m 0644 "$RES/autostart/mount-status-monitor.desktop" /etc/xdg/autostart/mount-status-monitor.desktop
install -D -m 0644 "$RES/service/$UNIT" "$UNITDIR/$UNIT"

# Talk to systemd only when it is the running init (sd_booted(3): /run/systemd/system exists); in a
# container, chroot or image build the unit is installed and starts at the next boot.
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  if [ "$upgrade" = yes ]; then
    # Restart onto the new code only if it was running: an admin's `systemctl disable --now` stands.
    systemctl try-restart "$UNIT" || true
  else
    systemctl enable --now "$UNIT" || echo "mount-status-monitor: could not start $UNIT; see: journalctl -u $UNIT" >&2
  fi
else
  systemctl enable "$UNIT" >/dev/null 2>&1 || true
fi
exit 0
