#!/usr/bin/env bash
# with-postgres.sh CMD [ARGS...] - runs CMD with a throwaway PostgreSQL server.
#
# `make test` runs the whole test suite through this script. It creates a
# cluster in a fresh temporary directory (initdb; as the `postgres` system
# user when run as root, since the server refuses to run as root), starts it
# listening only on a Unix socket in that directory (no TCP port at all),
# creates the database mdlg_test and exports
#
#   MDLG_TEST_PG_URL   postgresql:///mdlg_test?host=DIR&user=mdlgate
#
# for the tests. The server is stopped and the directory removed when CMD
# ends (trap, also on INT/TERM). If a server cannot be started, CMD still
# runs, with MDLG_TEST_PG_SKIP set to the reason: the PostgreSQL tests then
# skip with it. A MDLG_TEST_PG_URL already in the environment is used as it
# is (no server is started).
set -u

pg_dir=""
pg_bin=""
as_pg=()

stop_pg() {
    [ -n "$pg_dir" ] || return 0
    if [ -f "$pg_dir/data/postmaster.pid" ]; then
        (cd "$pg_dir" && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop) \
            >/dev/null 2>&1
    fi
    rm -rf "$pg_dir"
    pg_dir=""
}

# Returns 1 with the reason in $reason if the server could not be started.
start_pg() {
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
        reason="PostgreSQL server not installed (no /usr/lib/postgresql/*/bin/initdb)"; return 1
    fi
    pg_dir=$(mktemp -d /tmp/mdlg-pg-XXXXXX) || { reason="mktemp failed"; return 1; }
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || { reason="running as root and no postgres user"; return 1; }
        chown postgres: "$pg_dir" && chmod 0700 "$pg_dir"
        as_pg=(runuser -u postgres --)
    fi
    local opts="-c listen_addresses='' -c unix_socket_directories='$pg_dir'"
    opts+=" -c max_connections=200 -c fsync=on -c synchronous_commit=on"
    if ! (cd "$pg_dir" &&
          "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U mdlgate -A trust -E UTF8 \
              --locale=C --no-sync >"$pg_dir/initdb.log" 2>&1 &&
          "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 \
              -o "$opts" start >/dev/null 2>&1 &&
          "${as_pg[@]}" "$pg_bin/createdb" -h "$pg_dir" -U mdlgate mdlg_test); then
        reason="could not start PostgreSQL: $(cat "$pg_dir"/*.log 2>/dev/null | tail -1)"
        return 1
    fi
}

if [ -z "${MDLG_TEST_PG_URL:-}" ]; then
    trap stop_pg EXIT
    trap 'stop_pg; exit 130' INT
    trap 'stop_pg; exit 143' TERM
    reason=""
    if start_pg; then
        export MDLG_TEST_PG_URL="postgresql:///mdlg_test?host=$pg_dir&user=mdlgate"
        echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}')" \
             "on $pg_dir (Unix socket only)"
    else
        stop_pg
        export MDLG_TEST_PG_SKIP="$reason"
        echo "with-postgres: $reason; the PostgreSQL tests will skip"
    fi
fi
"$@"
