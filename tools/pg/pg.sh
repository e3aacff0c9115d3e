#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, from the Debian package:
#   tools/pg/pg.sh start DIR PORT   initdb in DIR (if new), start on 127.0.0.1:PORT, print the URL
#   tools/pg/pg.sh stop DIR         stop it (fast)
#   tools/pg/pg.sh restart DIR      stop and start again (the "database restarting" fault)
# Installs postgresql with apt-get when initdb is missing. As root the cluster runs as the
# `postgres` user (initdb refuses root); the trust login is limited to 127.0.0.1.
set -euo pipefail
cmd=${1:?start|stop|restart}; dir=${2:?DIR}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get install -y --no-install-recommends postgresql >/dev/null \
        || { $sudo_cmd apt-get update -qq >/dev/null && $sudo_cmd apt-get install -y --no-install-recommends postgresql >/dev/null; }
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
start)
    port=${3:?PORT}
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
        echo "port = $port" >> "$dir/data/postgresql.conf"
        echo "listen_addresses = '127.0.0.1'" >> "$dir/data/postgresql.conf"
        echo "unix_socket_directories = '$dir'" >> "$dir/data/postgresql.conf"
        echo "max_connections = 200" >> "$dir/data/postgresql.conf"
        echo "fsync = off" >> "$dir/data/postgresql.conf"
    fi
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
restart)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 restart -l "$dir/log" >/dev/null
    ;;
*) echo "usage: $0 start|stop|restart DIR [PORT]" >&2; exit 2 ;;
esac
