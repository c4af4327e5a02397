#!/bin/sh
# deb postrm / rpm %postun for Mount Status Monitor (electron-builder `deb.afterRemove`/`rpm.afterRemove`).
# Only braced words are electron-builder macros (see after-install.sh).
#
# Arguments: deb `remove`, `purge`, `upgrade`, ... (deb-postrm(5)); rpm `0` on erase, `1` on upgrade.
# On an upgrade the new package's files are already in place (rpm runs the old %postun after the new
# %post), so nothing may be removed then.
APP='/opt/${sanitizedProductName}'
EXE='${executable}'
UNIT=mount-status-monitor.service
UNITDIR=/lib/systemd/system

case "$1" in
  remove|purge|0) ;;
  *) exit 0 ;;
esac

if [ -d /run/systemd/system ]; then
  # The daemon's files are gone but the process runs until stopped: SIGTERM makes it reap its probes.
  systemctl disable --now "$UNIT" >/dev/null 2>&1 || true
else
  systemctl disable "$UNIT" >/dev/null 2>&1 || true
fi
rm -f "$UNITDIR/$UNIT" /etc/xdg/autostart/mount-status-monitor.desktop
[ -d /run/systemd/system ] && { systemctl daemon-reload || true; }
# Only our own link: `npm install -g` may have put another mountstatus there.
if [ "$(readlink /usr/bin/mountstatus 2>/dev/null)" = "$APP/resources/bin/mountstatus" ]; then
  rm -f /usr/bin/mountstatus
fi
# The admin's config stays unless the package is purged (Debian policy 10.7.3).
[ "$1" = purge ] && rm -f /etc/mount-status-monitor.conf

# --- What electron-builder's default after-remove.tpl does (this file replaces it) ---
if command -v update-alternatives >/dev/null 2>&1; then
  update-alternatives --remove "$EXE" "$APP/$EXE" >/dev/null 2>&1 || true
else
  rm -f "/usr/bin/$EXE"
fi
if [ -f "/etc/apparmor.d/$EXE" ]; then
  if apparmor_status --enabled >/dev/null 2>&1 && ! { [ -x /usr/bin/ischroot ] && /usr/bin/ischroot; }; then
    apparmor_parser --remove "/etc/apparmor.d/$EXE" >/dev/null 2>&1 || true
  fi
  rm -f "/etc/apparmor.d/$EXE"
fi
exit 0
