#!/usr/bin/env bash
# Makes sure a local PostgreSQL runs and the current user may create databases over the socket.
# Used by `make test` (the tests marked `postgres`); installs the server when it is missing.
set -euo pipefail
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "okno: PostgreSQL is not installed; as root: apt-get install postgresql" >&2
        exit 1
    fi
    echo "okno: installing PostgreSQL for the tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
user=$(id -un)
if ! psql -d postgres -tAc "select 1" >/dev/null 2>&1; then
    # Debian's peer authentication maps the OS user to the role of the same name.
    su postgres -c "createuser --superuser $user" 2>/dev/null || true
fi
psql -d postgres -tAc "select 1" >/dev/null
