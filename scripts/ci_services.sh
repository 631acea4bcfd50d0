#!/usr/bin/env bash
# Install and start the services the web/store tests need, on loopback only:
#   - PostgreSQL (Debian package), a role and database `hccrt_test` for the store suite, and a
#     second login role `hccrt_test_app` that owns nothing: the web tests connect as it after
#     `grant_app_role`, so the audit table is INSERT/SELECT-only for the application;
#   - Chromium (Debian package) at /usr/bin/chromium for the Playwright browser tests;
#   - dicom3tools (Debian package) for `dciodvfy`, the DICOM conformance check of written files.
# Idempotent: safe to run again when everything is installed and running. Needs root (CI runs
# as root on a fresh Debian 12 machine). Prints the database URL to use on its last line:
#   export HCCRT_TEST_POSTGRES_URL="$(scripts/ci_services.sh | tail -n 1)"
set -euo pipefail

PG_USER=hccrt_test
PG_DB=hccrt_test
PG_PASSWORD=hccrt_test
PG_APP_USER=hccrt_test_app
PG_APP_PASSWORD=hccrt_test_app
PG_PORT=${HCCRT_TEST_POSTGRES_PORT:-5432}

log() { echo "ci_services: $*" >&2; }

need_install=()
command -v pg_ctlcluster >/dev/null 2>&1 || need_install+=(postgresql)
[ -x /usr/bin/chromium ] || need_install+=(chromium)
command -v dciodvfy >/dev/null 2>&1 || need_install+=(dicom3tools)
if [ "${#need_install[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${need_install[*]} and not root: install them with apt-get first"
    exit 1
  fi
  log "installing ${need_install[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need_install[@]}" >&2
fi

# A cluster exists after the package is installed; create one if a previous run removed it.
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^${version} main$"; then
  log "creating cluster ${version}/main"
  pg_createcluster "${version}" main --port "${PG_PORT}" >&2
fi
# Loopback only, whatever the cluster's configuration file says.
conf="/etc/postgresql/${version}/main/postgresql.conf"
if ! grep -q "^listen_addresses = 'localhost'" "${conf}"; then
  echo "listen_addresses = 'localhost'" >>"${conf}"
fi
port=$(pg_lsclusters -h | awk -v v="${version}" '$1==v && $2=="main" {print $3}')
status=$(pg_lsclusters -h | awk -v v="${version}" '$1==v && $2=="main" {print $4}')
if [ "${status}" != "online" ]; then
  log "starting cluster ${version}/main on port ${port}"
  pg_ctlcluster "${version}" main start >&2
fi
for _ in $(seq 1 30); do
  if su postgres -c "psql -p ${port} -tAc 'select 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done

psql_su() { su postgres -c "psql -p ${port} -v ON_ERROR_STOP=1 -tAc \"$1\""; }
if [ "$(psql_su "select 1 from pg_roles where rolname='${PG_USER}'")" != "1" ]; then
  psql_su "create role ${PG_USER} login password '${PG_PASSWORD}' createdb" >&2
fi
if [ "$(psql_su "select 1 from pg_roles where rolname='${PG_APP_USER}'")" != "1" ]; then
  psql_su "create role ${PG_APP_USER} login password '${PG_APP_PASSWORD}'" >&2
fi
if [ "$(psql_su "select 1 from pg_database where datname='${PG_DB}'")" != "1" ]; then
  psql_su "create database ${PG_DB} owner ${PG_USER}" >&2
fi

log "PostgreSQL ready on 127.0.0.1:${port}; chromium at /usr/bin/chromium"
echo "postgresql+psycopg://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${PG_DB}"
