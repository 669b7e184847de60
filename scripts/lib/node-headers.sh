# shellcheck shell=bash
# Sourced by the scripts that run `npm ci`. Native modules (better-sqlite3, @node-rs/argon2 when no
# prebuilt binary fits) build with node-gyp, which otherwise downloads Node's headers from a host
# this network may not reach. Point it at the headers installed with Node when they match.
if [[ -z ${npm_config_nodedir:-} && -f /usr/include/node/node_version.h ]]; then
  installed=$(awk '/#define NODE_(MAJOR|MINOR|PATCH)_VERSION/ {printf "%s.", $3}' /usr/include/node/node_version.h)
  if [[ v${installed%.} == "$(node -v)" ]]; then
    export npm_config_nodedir=/usr
  fi
fi
