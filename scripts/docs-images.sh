#!/bin/sh
# Regenerates docs/images/*.png, the pictures README shows, from the screenshots the status-window test
# takes in Debian's Chromium (test/renderer/status-window.integration.test.ts), so they show what the test
# saw rather than a drawing. Run as `npm run docs:images` (the build, and Node 24 on PATH); CI=true makes
# a missing Chromium fail the run instead of skipping it and leaving old pictures in place.
set -eu
cd "$(dirname "$0")/.."
shots='status-window-light status-window-dark'
for shot in $shots; do rm -f "test-artifacts/$shot.png"; done
CI=true node --test --test-concurrency=1 dist/test/renderer/status-window.integration.test.js
mkdir -p docs/images
for shot in $shots; do cp "test-artifacts/$shot.png" "docs/images/$shot.png"; done
