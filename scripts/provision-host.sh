#!/usr/bin/env bash
# Installs and starts what Diwan's tests need on a Debian host: the managed services (MariaDB,
# PostgreSQL, Redis running; nginx, php-fpm, cron, nftables installed), fail2ban (installed, never
# started here: test/deploy/fail2ban.test.ts only runs fail2ban-regex), pebble (a test ACME server, started by the tests themselves), Debian's Chromium for the
# browser tests (never a downloaded browser; DejaVu has the Arabic glyphs) and a PostgreSQL role for root.
# Idempotent: on a host that has everything it only checks, in about a second.
# Works with systemd as PID 1 and without it (containers, CI sandboxes), where apt starts nothing.
set -euo pipefail

readonly packages=(
  mariadb-server mariadb-client
  postgresql postgresql-client
  redis-server redis-tools
  nginx php8.2-fpm cron nftables
  sqlite3 ca-certificates
  build-essential python3
  systemd
  fail2ban
  pebble
  shellcheck
  chromium fonts-dejavu-core
)
readonly wait_seconds=30
readonly pg_socket_dir=/var/run/postgresql

step() { printf 'provision: %s\n' "$*"; }
die() {
  printf 'provision: error: %s\n' "$*" >&2
  exit 1
}

if [[ $EUID -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    step "not root: re-running with sudo"
    # Without a terminal sudo must not wait for a password nobody can type (CI has no stdin).
    sudo_flags=()
    [[ -t 0 ]] || sudo_flags=(-n)
    exec sudo "${sudo_flags[@]}" -- bash "${BASH_SOURCE[0]}" "$@"
  fi
  die "must run as root, and sudo is not installed: run it as root"
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  die "this script provisions Debian and Ubuntu hosts (apt-get and dpkg-query not found)"
fi

export DEBIAN_FRONTEND=noninteractive
# Another apt run (unattended-upgrades, a colleague's install) holds the lock for a while: wait for it.
readonly apt_options=(
  -o DPkg::Lock::Timeout=300
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
)

is_installed() {
  # shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not a shell variable
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == 'install ok installed' ]]
}

# Commands whose chatter only matters when they fail write here; run_logged shows its tail then.
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_logged() {
  if "$@" </dev/null >"$log" 2>&1; then return 0; fi
  tail -n 20 "$log" >&2
  return 1
}

missing=()
for package in "${packages[@]}"; do
  is_installed "$package" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  step "packages: all ${#packages[@]} installed"
else
  step "packages: installing ${missing[*]}"
  run_logged apt-get "${apt_options[@]}" update || die "apt-get update failed"
  run_logged apt-get "${apt_options[@]}" install -y --no-install-recommends "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}"
  step "packages: installed ${missing[*]}"
fi

# --- starting the services ---------------------------------------------------------------------

systemd_is_init() {
  [[ -d /run/systemd/system || $(cat /proc/1/comm 2>/dev/null || true) == systemd ]]
}

mariadb_answers() { mariadb-admin --protocol=socket --connect-timeout=2 ping >/dev/null 2>&1; }
postgresql_answers() { pg_isready -q -t 2 -h "$pg_socket_dir" >/dev/null 2>&1; }
redis_answers() { [[ $(timeout 5 redis-cli -h 127.0.0.1 ping 2>/dev/null || true) == PONG ]]; }

# The direct ways to start each one, for hosts where neither systemctl nor the init.d script works.
start_mariadb_directly() {
  # The init.d script normally makes the socket directory. --user because Debian's stock config leaves
  # the user to the service manager, and mariadbd refuses to run as root.
  install -d -o mysql -g mysql -m 0755 /run/mysqld
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
}
start_postgresql_directly() {
  # Every cluster, as the init.d script would; the tests use the one called main.
  local conf cluster version
  for conf in /etc/postgresql/*/*/postgresql.conf; do
    [[ -f $conf ]] || continue
    cluster=$(basename "$(dirname "$conf")")
    version=$(basename "$(dirname "$(dirname "$conf")")")
    # Exits non-zero for a cluster that already runs; the wait that follows is the real check.
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start || true
  done
}
start_redis_directly() {
  install -d -o redis -g redis -m 0750 /var/lib/redis /var/log/redis 2>/dev/null || true
  # As the redis user, never as root.
  runuser -u redis -- redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/diwan-provision.log
}

wait_until() {
  local check=$1 deadline=$((SECONDS + wait_seconds))
  until "$check"; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

# Daemons started below write to the log, never to our stdout or stderr: a caller reading those
# through a pipe (CI, `$(…)`) would otherwise wait for the daemon to exit.
start_directly() {
  local name=$1 direct=$2
  step "$name: starting it directly"
  run_logged "$direct" || die "$name: could not be started"
}

# ensure_running NAME UNIT CHECK DIRECT_START
ensure_running() {
  local name=$1 unit=$2 check=$3 direct=$4
  if "$check"; then
    step "$name: answering"
    return
  fi
  if systemd_is_init; then
    step "$name: starting with systemctl start $unit"
    run_logged systemctl start "$unit" || die "$name: systemctl start $unit failed (see journalctl -u $unit)"
    wait_until "$check" || die "$name: not answering ${wait_seconds}s after systemctl start $unit"
  else
    if command -v service >/dev/null 2>&1; then
      step "$name: starting with service $unit start"
      if ! run_logged service "$unit" start; then
        step "$name: service $unit start failed"
        start_directly "$name" "$direct"
      elif ! wait_until "$check"; then
        # An init script can exit 0 and leave nothing running: try the direct way once.
        step "$name: not answering after service $unit start"
        start_directly "$name" "$direct"
      fi
    else
      start_directly "$name" "$direct"
    fi
    wait_until "$check" || die "$name: not answering after ${wait_seconds}s"
  fi
  step "$name: answering"
}

ensure_running MariaDB mariadb mariadb_answers start_mariadb_directly
ensure_running PostgreSQL postgresql postgresql_answers start_postgresql_directly
ensure_running Redis redis-server redis_answers start_redis_directly

# --- PostgreSQL role for root ------------------------------------------------------------------

# Tests connect as the OS user root over the Unix socket: peer auth on a fresh Debian maps that to a
# role named root, and libpq's default database is the user's name, so both must exist.
as_postgres() { (cd / && runuser -u postgres -- psql -XqtA -h "$pg_socket_dir" -d postgres "$@"); }

role=$(as_postgres -c "SELECT rolsuper AND rolcanlogin FROM pg_roles WHERE rolname = 'root'") ||
  die "PostgreSQL: could not query roles as the postgres user"
case $role in
  t) step "PostgreSQL: role root is a superuser" ;;
  f)
    as_postgres -c 'ALTER ROLE root SUPERUSER LOGIN'
    step "PostgreSQL: role root made SUPERUSER LOGIN"
    ;;
  *)
    as_postgres -c 'CREATE ROLE root SUPERUSER LOGIN'
    step "PostgreSQL: role root created (SUPERUSER LOGIN)"
    ;;
esac
if [[ $(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = 'root'") == 1 ]]; then
  step "PostgreSQL: database root exists"
else
  as_postgres -c 'CREATE DATABASE root OWNER root'
  step "PostgreSQL: database root created"
fi

# --- the web tier's user ---------------------------------------------------------------------

# Production runs the web tier as `diwan` (deploy/systemd/diwan.service); the production-topology
# test runs it so here too.
if id -u diwan >/dev/null 2>&1; then
  step "user diwan exists"
else
  useradd --system --user-group --home-dir /var/lib/diwan --no-create-home --shell /usr/sbin/nologin diwan
  step "user diwan created"
fi

step "done"
