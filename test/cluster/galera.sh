#!/usr/bin/env bash
# A three-node MariaDB Galera cluster on loopback, for the cluster test and for trying the app
# on a cluster by hand. Each node is a small mariadbd (64 MB buffer pool) with galera-4, its
# own data directory under $GALERA_DIR (default /tmp/opac-galera) and its own ports:
#
#   node n (1–3)   SQL 127.0.0.1:$((BASE + n))   group $((BASE + 10 + n))   IST $((BASE + 20 + n))
#                  SST $((BASE + 30 + n))        BASE = $GALERA_BASE_PORT (default 4330)
#
#   test/cluster/galera.sh start     initialise node 1, bootstrap the cluster on it, join 2 and 3
#   test/cluster/galera.sh stop      stop the nodes (SIGTERM, then SIGKILL after 30 s)
#   test/cluster/galera.sh kill N    kill node N at once (SIGKILL), as a crashed server
#   test/cluster/galera.sh status    each node's cluster size and state
#   test/cluster/galera.sh clean     stop, then remove $GALERA_DIR
#
# Root has an empty password over 127.0.0.1, as on the test server. Node 1 is initialised and
# bootstrapped once, shut down cleanly and its data directory copied to nodes 2 and 3: they
# join with the cluster's own state, so no state transfer (SST) is needed to start. Needs
# mariadb-server and galera-4 (.ci/run installs them).
set -euo pipefail

DIR="${GALERA_DIR:-/tmp/opac-galera}"
BASE="${GALERA_BASE_PORT:-4330}"
MARIADBD="${MARIADBD:-/usr/sbin/mariadbd}"
PROVIDER="${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}"
NODES=(1 2 3)
# As root the nodes run as mysql: rsync, which carries a state transfer, drops root to nobody.
RUN_AS=$(id -un)
[ "$(id -u)" = 0 ] && RUN_AS=mysql

sql_port() { echo $((BASE + $1)); }
group_port() { echo $((BASE + 10 + $1)); }
cluster_address() {
  local list=()
  for n in "${NODES[@]}"; do list+=("127.0.0.1:$(group_port "$n")"); done
  (IFS=,; echo "gcomm://${list[*]}")
}
node_dir() { echo "$DIR/n$1"; }
pid_of() { cat "$(node_dir "$1")/mariadbd.pid" 2>/dev/null || true; }
running() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
client() { mariadb --no-defaults -h 127.0.0.1 -P "$(sql_port "$1")" -u root --skip-column-names -e "$2"; }
socket_client() { mariadb --no-defaults -S "$(node_dir "$1")/mariadbd.sock" -u root --skip-column-names -e "$2"; }

write_config() {
  local n=$1 d
  d=$(node_dir "$n")
  # Timeouts of the group are short, so that the survivors evict a killed node within seconds.
  cat >"$d/my.cnf" <<EOF
[mariadbd]
datadir=$d/data
socket=$d/mariadbd.sock
pid-file=$d/mariadbd.pid
log-error=$d/error.log
bind-address=127.0.0.1
port=$(sql_port "$n")
user=$RUN_AS
skip-name-resolve
performance_schema=OFF
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
innodb_flush_log_at_trx_commit=2
max_connections=400
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=opac_test
wsrep_cluster_address=$(cluster_address)
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$(group_port "$n")
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((BASE + 30 + n))
wsrep_slave_threads=2
wsrep_log_conflicts=ON
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(group_port "$n");ist.recv_addr=127.0.0.1:$((BASE + 20 + n));gcache.size=32M;evs.keepalive_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.inactive_check_period=PT0.5S;evs.install_timeout=PT4S"
EOF
}

start_node() {
  local n=$1 d
  shift
  d=$(node_dir "$n")
  "$MARIADBD" --defaults-file="$d/my.cnf" "$@" >>"$d/stdout.log" 2>&1 &
  for _ in $(seq 1 120); do
    if socket_client "$n" "SELECT 1" >/dev/null 2>&1 &&
      [ "$(socket_client "$n" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_READY'")" = "ON" ]; then
      return 0
    fi
    sleep 0.5
  done
  echo "node $n did not become ready; see $d/error.log" >&2
  tail -20 "$d/error.log" >&2 || true
  return 1
}

stop_node() {
  local n=$1 pid
  pid=$(pid_of "$n")
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_start() {
  [ -x "$MARIADBD" ] || { echo "no $MARIADBD: install mariadb-server" >&2; exit 1; }
  [ -f "$PROVIDER" ] || { echo "no $PROVIDER: install galera-4" >&2; exit 1; }
  for n in "${NODES[@]}"; do
    if running "$n"; then echo "node $n is running already (test/cluster/galera.sh stop)" >&2; exit 1; fi
  done
  rm -rf "$DIR"
  mkdir -p "$(node_dir 1)"
  chown "$RUN_AS" "$DIR" "$(node_dir 1)"
  write_config 1
  mariadb-install-db --defaults-file="$(node_dir 1)/my.cnf" --auth-root-authentication-method=normal \
    --skip-test-db --wsrep-on=OFF --user="$RUN_AS" >"$(node_dir 1)/install.log" 2>&1
  # Bootstrap once to give the data directory the cluster's identity and root over TCP.
  start_node 1 --wsrep-new-cluster
  socket_client 1 "CREATE USER IF NOT EXISTS root@'127.0.0.1'; GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;"
  stop_node 1
  for n in 2 3; do
    mkdir -p "$(node_dir "$n")"
    chown "$RUN_AS" "$(node_dir "$n")"
    cp -a "$(node_dir 1)/data" "$(node_dir "$n")/data"
    write_config "$n"
  done
  start_node 1 --wsrep-new-cluster
  start_node 2
  start_node 3
  local size
  size=$(client 1 "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_CLUSTER_SIZE'")
  echo "galera cluster of $size nodes: SQL on 127.0.0.1:$(sql_port 1),$(sql_port 2),$(sql_port 3)"
}

cmd_stop() {
  for n in 3 2 1; do stop_node "$n"; done
}

cmd_kill() {
  local pid
  pid=$(pid_of "$1")
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
}

cmd_status() {
  for n in "${NODES[@]}"; do
    if running "$n"; then
      echo "node $n: $(client "$n" "SELECT GROUP_CONCAT(VARIABLE_VALUE ORDER BY VARIABLE_NAME SEPARATOR ' ') FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('WSREP_CLUSTER_SIZE','WSREP_LOCAL_STATE_COMMENT')" 2>/dev/null || echo 'not answering')"
    else
      echo "node $n: stopped"
    fi
  done
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  kill) cmd_kill "${2:?node number}" ;;
  status) cmd_status ;;
  clean) cmd_stop; rm -rf "$DIR" ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
esac
