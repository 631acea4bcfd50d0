#!/usr/bin/env bash
# Install and start the services the web/store tests need, on loopback only:
#   - PostgreSQL (Debian package), a role and database `hccrt_test` for the store suite, and a
#     second login role `hccrt_test_app` that owns nothing: the web tests connect as it after
#     `grant_app_role`, so the audit table is INSERT/SELECT-only for the application;
#   - Chromium (Debian package) at /usr/bin/chromium for the Playwright browser tests;
#   - dicom3tools (Debian package) for `dciodvfy`, the DICOM conformance check of written files;
#   - Orthanc (Debian packages orthanc, orthanc-dicomweb): a private instance for the DICOM node
#     tests (tests/node/test_orthanc.py), fixed ports on loopback: HTTP 127.0.0.1:18042 (REST
#     API), DICOM port 14242, AE title HCCRT_PACS; hccrt's node is registered as modality "hccrt"
#     (HCCRT@127.0.0.1:11112). The values are also written to ${ORTHANC_DIR}/orthanc.env.
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
command -v Orthanc >/dev/null 2>&1 || need_install+=(orthanc orthanc-dicomweb)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
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

# A private Orthanc (not the Debian service's instance): own folder, config and ports. HTTP is
# loopback-only (RemoteAccessAllowed false); Orthanc 1.10 cannot bind DICOM to loopback, so it
# accepts C-STORE/C-ECHO only from registered modalities at their registered address. The DICOM
# timeout is 120 s, not the default 10 s: on a loaded 2-core CI machine the node may answer late.
ORTHANC_DIR=${HCCRT_TEST_ORTHANC_DIR:-/var/lib/hccrt-test-orthanc}
ORTHANC_HTTP_PORT=18042
ORTHANC_DICOM_PORT=14242
ORTHANC_AET=HCCRT_PACS
if ! curl -sf "http://127.0.0.1:${ORTHANC_HTTP_PORT}/system" >/dev/null 2>&1; then
  mkdir -p "${ORTHANC_DIR}/db"
  plugins=()
  [ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] &&
    plugins+=('"/usr/share/orthanc/plugins/libOrthancDicomWeb.so"')
  cat >"${ORTHANC_DIR}/orthanc.json" <<JSON
{
  "Name": "hccrt-test-orthanc",
  "StorageDirectory": "${ORTHANC_DIR}/db",
  "IndexDirectory": "${ORTHANC_DIR}/db",
  "HttpPort": ${ORTHANC_HTTP_PORT},
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "DicomAet": "${ORTHANC_AET}",
  "DicomPort": ${ORTHANC_DICOM_PORT},
  "DicomAlwaysAllowEcho": false,
  "DicomAlwaysAllowStore": false,
  "DicomCheckModalityHost": true,
  "DicomScuTimeout": 120,
  "DicomModalities": { "hccrt": [ "HCCRT", "127.0.0.1", 11112 ] },
  "Plugins": [ $(IFS=,; echo "${plugins[*]}") ]
}
JSON
  log "starting Orthanc on 127.0.0.1:${ORTHANC_HTTP_PORT} (DICOM ${ORTHANC_AET}:${ORTHANC_DICOM_PORT})"
  nohup setsid Orthanc "${ORTHANC_DIR}/orthanc.json" >"${ORTHANC_DIR}/orthanc.log" 2>&1 </dev/null &
  for _ in $(seq 1 30); do
    if curl -sf "http://127.0.0.1:${ORTHANC_HTTP_PORT}/system" >/dev/null 2>&1; then break; fi
    sleep 1
  done
fi
cat >"${ORTHANC_DIR}/orthanc.env" <<ENV
HCCRT_TEST_ORTHANC_URL=http://127.0.0.1:${ORTHANC_HTTP_PORT}
HCCRT_TEST_ORTHANC_AET=${ORTHANC_AET}
HCCRT_TEST_ORTHANC_DICOM_PORT=${ORTHANC_DICOM_PORT}
ENV
log "Orthanc ready: http://127.0.0.1:${ORTHANC_HTTP_PORT} (env in ${ORTHANC_DIR}/orthanc.env)"

log "PostgreSQL ready on 127.0.0.1:${port}; chromium at /usr/bin/chromium"
echo "postgresql+psycopg://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${PG_DB}"
