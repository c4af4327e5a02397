#!/bin/sh
# Regenerates docs/images/*.png, the pictures README shows, from the screenshots the tests take: the
# status window in Debian's Chromium (test/renderer/status-window.integration.test.ts) and the home
# notification as Debian's notification-daemon drew it (test/main/notify/app-freeze.integration.test.ts,
# the real entry point, a frozen home), so they show what the tests saw rather than a drawing. Run as root
# (the notification test mounts its home in a private mount namespace) as `npm run docs:images` (the
# build, and Node 24 on PATH); CI=true makes a missing Chromium or notification stack fail the run
# instead of skipping it and leaving old pictures in place.
set -eu
cd "$(dirname "$0")/.."
shots='status-window-light status-window-dark home-notification'
for shot in $shots; do rm -f "test-artifacts/$shot.png"; done
CI=true node --test --test-concurrency=1 dist/test/renderer/status-window.integration.test.js dist/test/main/notify/app-freeze.integration.test.js
mkdir -p docs/images
for shot in $shots; do cp "test-artifacts/$shot.png" "docs/images/$shot.png"; done
