# Sourced by the bench scripts: a quiet server before each timed step, and the
# CPU seconds spent by the server and by the client during it.
#
#   quiesce URI          CHECKPOINT, then wait (at most 120 s) until no
#                        autovacuum worker and no TimescaleDB job runs, twice
#                        in a row 0.5 s apart (a restored database's policies
#                        start at post_restore; autovacuum follows big loads).
#   server_cpu           CPU seconds (user+system) used so far by the server:
#                        the postmaster's own and its reaped children's
#                        (cutime/cstime), plus every live child's. Take the
#                        difference around a step. Needs /proc and the
#                        postmaster's pid (PGDATA/postmaster.pid, readable by
#                        root) or HYPERDUMP_PG_PID.
#   sql ARGS...          psql, quiet, tuples only, stopping at the first error.
#   createdb NAME        CREATE DATABASE NAME on $HYPERDUMP_TEST_URI's server.
#   demo_source NAME DEMO_FLAGS...
#                        creates NAME_src, fills it with `hyperdump demo-data
#                        --size $size` (needs $hd, $base, $size), runs VACUUM
#                        ANALYZE (hint bits and statistics set once, before
#                        any contender) and prints its size in MB.
#   timed LABEL CMD...   runs CMD (a program or a shell function), records
#                        "LABEL|wall|server_cpu|client_cpu" in $timings (client
#                        CPU: the programs CMD ran and their children, e.g.
#                        pg_restore's workers, from the shell's `times`).

sql() { "${PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" -qAtX -v ON_ERROR_STOP=1 "$@"; }
createdb() { sql "$HYPERDUMP_TEST_URI" -c "CREATE DATABASE \"$1\""; }

demo_source() {
  local src="$1_src"
  shift
  createdb "$src"
  "$hd" demo-data -d "$base/$src" --size "$size" "$@" >/dev/null
  sql "$base/$src" -c "VACUUM ANALYZE" >/dev/null
  echo $(($(sql "$base/$src" -c "SELECT pg_database_size(current_database())") / 1000000))
}

quiesce() {
  local uri=$1 quiet=0
  "${PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" -qAtX "$uri" -c "CHECKPOINT" >/dev/null
  for _ in $(seq 240); do
    local busy
    busy=$("${PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" -qAtX "$uri" -c "
      SELECT count(*) FROM pg_stat_activity
      WHERE backend_type = 'autovacuum worker'
         OR (backend_type NOT IN ('client backend', 'autovacuum launcher', 'background writer',
                                  'checkpointer', 'walwriter', 'archiver', 'startup',
                                  'logical replication launcher', 'walsender', 'walreceiver')
             AND backend_type NOT LIKE 'TimescaleDB Background Worker%'
             AND backend_type NOT LIKE 'parallel worker%')")
    if [ "$busy" = 0 ]; then
      quiet=$((quiet + 1))
      [ "$quiet" -ge 2 ] && return 0
    else
      quiet=0
    fi
    sleep 0.5
  done
  echo "bench: the server did not become quiet within 120 s (autovacuum or a TimescaleDB job)" >&2
}

postmaster_pid() {
  if [ -n "${HYPERDUMP_PG_PID:-}" ]; then echo "$HYPERDUMP_PG_PID"; return; fi
  local dir
  dir=$("${PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" -qAtX "$HYPERDUMP_TEST_URI" \
        -c "SHOW data_directory")
  head -1 "$dir/postmaster.pid"
}

server_cpu() {
  python3 - "$(postmaster_pid)" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
pm = sys.argv[1]
def fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()  # from field 3 (state) on
total = 0
f = fields(pm)
total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])  # utime stime cutime cstime
for pid in os.listdir("/proc"):
    if not pid.isdigit() or pid == pm:
        continue
    try:
        f = fields(pid)
    except OSError:
        continue
    if f[1] == pm:  # ppid: a backend or auxiliary process of this server
        total += int(f[11]) + int(f[12])
print(f"{total / hz:.2f}")
PY
}

timings=()
# Children's CPU seconds (user+system) of this shell so far, from `times`,
# into the variable named $1. `times` must run in this shell, not in a $(...)
# subshell (which has children of its own), hence the file.
bench_times_file=$(mktemp)
children_cpu() {
  times >"$bench_times_file"
  printf -v "$1" '%s' "$(tail -1 "$bench_times_file" | awk '{
    split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.2f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')"
}
timed() {
  local label=$1; shift
  local t0 t1 c0 c1 k0 k1
  c0=$(server_cpu); children_cpu k0; t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N); children_cpu k1; c1=$(server_cpu)
  local wall server client
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  server=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
  client=$(awk -v a="$k0" -v b="$k1" 'BEGIN { printf "%.2f", b - a }')
  timings+=("$label|$wall|$server|$client")
  echo "bench: $label: ${wall} s (server CPU ${server} s, client CPU ${client} s)" >&2
}

# The documented TimescaleDB procedure for a pg_dump -Fd archive:
#   staged_pg_restore URI DIR JOBS OUT
#        CREATE EXTENSION and timescaledb_pre_restore(); pre-data; the
#        _timescaledb_catalog and _timescaledb_config data alone; the other
#        data -j JOBS; post-data -j JOBS; timescaledb_post_restore(). Its
#        listings and outputs go to OUT. One copy of the procedure: the
#        build's bench/staged_pg_restore (bench/bench_pg.cc, which `hyperdump
#        bench` runs too); $HYPERDUMP_BUILD names the build (default build/).
staged_pg_restore() {
  "${HYPERDUMP_BUILD:-$root/build}/bench/staged_pg_restore" "$@"
}
