#!/bin/bash
# A private single-node Slurm cluster in a folder, for the tests and the benchmark.
#
#   local-cluster.sh start DIR [--cpus N] [--gpus N] [--max-array-size N] [--message-timeout S] [--watch PID]
#       Writes DIR/slurm.conf and DIR/gres.conf, starts munged, slurmctld and slurmd, waits until
#       the node is idle in both partitions and prints `export SLURM_CONF=DIR/slurm.conf`.
#       --max-array-size N: the cluster's MaxArraySize (Slurm's default, 1001, otherwise), for
#       tests of a head that must split its job arrays.
#       --message-timeout S: Slurm's MessageTimeout (its default, 10 s, otherwise). A machine of
#       two cores starting a hundred jobs at once answers the controller late, and a launch not
#       confirmed in time leaves its job held ("launch failed requeued held"); the bench's
#       cluster of 128 slots gives it longer.
#       --watch PID: stop the cluster as soon as process PID ends (the test process, so that a
#       killed test leaves no daemon behind).
#   local-cluster.sh stop DIR
#       Stops exactly the processes `start` recorded in DIR/run/pids and waits for them to exit.
#
# Needs root (slurmd must switch to the jobs' users) and Debian's slurmctld, slurmd,
# slurm-client and munge. Several clusters may run at once on one machine (other people's tests):
# everything lives in DIR (ports, munge socket and key, state, spool, pid and log files), so
# no two clusters share anything but the host name.
set -eu

usage() {
    echo "usage: $0 start DIR [--cpus N] [--gpus N] [--max-array-size N] [--message-timeout S] [--watch PID] | $0 stop DIR" >&2
    exit 2
}

# Fake GPUs: one device file per GPU. slurmd stats each File (for the device cgroup, unused
# here with task/none), so they must exist; distinct files keep the devices distinct.
GPU_FILES="/dev/null /dev/zero /dev/full /dev/random /dev/urandom"
MAX_GPUS=5
READY_TIMEOUT=20

# The start time of process PID in clock ticks since boot (field 22 of /proc/PID/stat), or
# nothing when it is gone. A pid together with its start time names one process even after the
# pid is reused. The command name (field 2) may hold spaces and parentheses: cut after the last ')'.
start_time() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    # shellcheck disable=SC2086
    set -- ${stat##*) }
    shift 19
    echo "$1"
}

# Whether the recorded process (pid, start time) still runs; a zombie counts as ended.
alive() {
    local state
    [ "$(start_time "$1")" = "$2" ] || return 1
    state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
    [ "$state" != Z ]
}

# Cancels the cluster's unfinished jobs and waits (up to ~5 s) for them to end. Killing slurmd
# alone would not end them: each job step runs under its own slurmstepd, which slurmd detaches
# and which outlives it (with the job's processes) by design.
cancel_jobs() {
    local conf="$1/slurm.conf" jobs i=0
    # `timeout`: a client retries a controller that does not answer for many seconds.
    jobs=$(SLURM_CONF="$conf" timeout 5 squeue -h -o %i -t PD,R,S,CG,CF 2>/dev/null) || return 0
    [ -n "$jobs" ] || return 0
    # shellcheck disable=SC2086
    SLURM_CONF="$conf" timeout 5 scancel $jobs 2>/dev/null || true
    while [ "$i" -lt 50 ] && [ -n "$(SLURM_CONF="$conf" timeout 5 squeue -h -o %i -t R,S,CG,CF 2>/dev/null || true)" ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

# Stops the processes recorded in DIR/run/pids (lines `name pid starttime`), watcher first so
# that it cannot start a second stop. SIGTERM, up to ~5 s, then SIGKILL. Never kills a pid whose
# start time differs (a reused pid) nor this very process (the watcher runs `stop` itself).
stop_cluster() {
    local dir=$1 pids="$1/run/pids" name pid t waited left
    [ -f "$pids" ] || return 0
    cancel_jobs "$dir"
    while read -r name pid t; do
        [ "$pid" != "$$" ] || continue
        alive "$pid" "$t" && kill -TERM "$pid" 2>/dev/null || true
    done < "$pids"
    waited=0
    while :; do
        left=""
        while read -r name pid t; do
            [ "$pid" != "$$" ] || continue
            if alive "$pid" "$t"; then left="$left $name($pid)"; fi
        done < "$pids"
        [ -n "$left" ] || break
        if [ "$waited" -ge 50 ]; then
            echo "local-cluster: still running after 5 s, killing:$left" >&2
            while read -r name pid t; do
                [ "$pid" != "$$" ] || continue
                alive "$pid" "$t" && kill -KILL "$pid" 2>/dev/null || true
            done < "$pids"
            sleep 0.2
            waited=0
            # One more round: SIGKILL cannot be ignored, but a process in D state takes a moment.
            continue
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    # The records are ours; `start` created them. Nothing else in DIR is removed (the logs help).
    mv "$pids" "$pids.stopped"
}

# A TCP port below Linux's ephemeral range (32768-60999, where outgoing connections take theirs)
# that nothing listens on now. Another cluster may take it before our daemon binds it: `start`
# retries with new ports when a daemon reports "Address already in use".
# $1: a port already picked, not to pick again.
free_port() {
    local p
    while :; do
        p=$(shuf -i 20000-32000 -n 1)
        [ "$p" != "${1:-}" ] || continue
        if [ -z "$(ss -Hltn "sport = :$p")" ]; then echo "$p"; return; fi
    done
}

# Records a started process. Called right after `cmd &`: $! is the daemon itself, since every
# daemon runs in the foreground (-D, -F) and is not wrapped in another process.
record() {
    local t
    t=$(start_time "$2")
    # It exited already (a bad config): record nothing, the readiness check reports it.
    [ -n "$t" ] || return 0
    echo "$1 $2 $t" >> "$DIR/run/pids"
}

# Runs "$@" in the background with none of this shell's descriptors beyond 0-2 (the caller may
# have leaked pipes into us: a daemon holding the write end of a test's pipe would keep that
# test's read from ever seeing EOF) and with its output in a log file.
launch() {
    local log=$1
    shift
    (
        for fd in /proc/self/fd/*; do
            n=${fd##*/}
            [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-" 2>/dev/null || true
        done
        exec "$@" < /dev/null >> "$log" 2>&1
    ) &
}

# Prints the last lines of every log, for a failed start.
log_tails() {
    local f
    for f in "$DIR"/log/*; do
        [ -s "$f" ] || continue
        echo "--- $f (last 15 lines)" >&2
        tail -n 15 "$f" >&2
    done
}

write_config() {
    local ctld_port=$1 slurmd_port=$2 node i f
    node=$(hostname)
    # Node memory: DefMemPerCPU (below) times the CPUs, and more. Without DefMemPerCPU each job
    # is given the whole node's memory and jobs run one at a time.
    local mem=$((CPUS * 1024)) gres=""
    [ "$GPUS" -eq 0 ] || gres=" Gres=gpu:$GPUS"
    # The socket path must fit in sun_path (108 bytes); so must slurmstepd's
    # SPOOL/NODE_JOBID.STEP sockets.
    cat > "$DIR/slurm.conf" <<EOF
# Written by local-cluster.sh: a private single-node cluster; see the comments there.
ClusterName=$CLUSTER
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
# Root runs both daemons; jobs run as the user who submitted them.
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# Our own munged, not the system's /run/munge socket (it may not run, or use another key).
AuthInfo=socket=$DIR/munge/munge.socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No cgroups: linuxproc tracks a job's processes by parentage.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: sacct does not work here, and nothing may need it.
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
# Schedule every second instead of every minute, so tests do not wait.
SchedulerParameters=sched_interval=1,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
# Ended jobs stay visible in squeue/scontrol for 5 minutes (there is no sacct).
MinJobAge=300
MaxArraySize=$MAX_ARRAY_SIZE
MessageTimeout=$MESSAGE_TIMEOUT
GresTypes=gpu
# The node declares more CPUs than the machine has (tiny test jobs, many at once); without this
# slurmd reports the real count and slurmctld drains the node ("Low socket*core*thread count").
SlurmdParameters=config_overrides
NodeName=$node NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$mem$gres State=UNKNOWN
# Two partitions over the one node: with a single partition a GPU job waiting for a GPU would
# block the CPU jobs queued behind it.
PartitionName=cpu Nodes=$node Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$node MaxTime=INFINITE State=UP
EOF
    # slurmd reads gres.conf from slurm.conf's folder. One line per device: a single line with a
    # Count that does not match its File list makes slurmd exit.
    {
        echo "# Written by local-cluster.sh: $GPUS fake GPUs (device files no job opens)."
        echo "AutoDetect=off"
        i=0
        for f in $GPU_FILES; do
            [ "$i" -lt "$GPUS" ] || break
            echo "NodeName=$node Name=gpu File=$f"
            i=$((i + 1))
        done
    } > "$DIR/gres.conf"
    chmod 0644 "$DIR/slurm.conf" "$DIR/gres.conf"
}

# Waits until every partition reports the node idle. Returns 0 when ready, 1 on timeout or a
# dead daemon, 3 when a daemon died because its port was taken (the caller retries).
wait_ready() {
    local deadline name pid t states
    deadline=$(($(date +%s) + READY_TIMEOUT))
    while :; do
        while read -r name pid t; do
            if ! alive "$pid" "$t"; then
                if grep -qs "Address already in use" "$DIR/log/$name.log" "$DIR/log/$name.out"; then return 3; fi
                echo "local-cluster: $name (pid $pid) exited during start" >&2
                return 1
            fi
        done < "$DIR/run/pids"
        if [ "$(wc -l < "$DIR/run/pids")" -lt 3 ]; then
            echo "local-cluster: a daemon exited at once" >&2
            return 1
        fi
        states=$(SLURM_CONF="$DIR/slurm.conf" sinfo -h -o '%P %t' 2>/dev/null || true)
        # Both partitions listed, and every line idle (not drain, down, inval or unk).
        if [ "$(echo "$states" | grep -c ' idle$')" -eq 2 ] && ! echo "$states" | grep -qv ' idle$'; then
            return 0
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "local-cluster: node not idle in both partitions after ${READY_TIMEOUT} s; sinfo says:" >&2
            echo "${states:-(nothing)}" >&2
            SLURM_CONF="$DIR/slurm.conf" scontrol show node 2>&1 | grep -E 'State=|Reason=' >&2 || true
            return 1
        fi
        sleep 0.2
    done
}

# One attempt: fresh ports, config, daemons. Leaves the pids recorded for stop_cluster.
start_once() {
    local rc
    local ctld_port
    : > "$DIR/run/pids"
    # Each attempt's logs alone: the port check and the failure report read them.
    rm -f "$DIR"/log/*.log "$DIR"/log/*.out
    ctld_port=$(free_port)
    write_config "$ctld_port" "$(free_port "$ctld_port")"

    # munged runs as root, so every file of it is root's and needs no chown. munge 0.5.15
    # (Debian 12) runs as root as it is; --force is for versions that refuse root, and turns
    # some of munged's folder-permission errors into warnings. The key is private to this
    # cluster: no other cluster's (or the system's) credentials are accepted.
    # -F: foreground, so $! is munged itself.
    launch "$DIR/log/munged.out" munged -F --force \
        --socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
        --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/log/munged.log" \
        --seed-file="$DIR/munge/munged.seed"
    record munged "$!"
    # munged makes its socket once it can answer; Slurm fails to authenticate before that.
    local i=0
    while [ ! -S "$DIR/munge/munge.socket" ]; do
        i=$((i + 1))
        if [ "$i" -gt 100 ]; then
            echo "local-cluster: munged made no socket in 10 s" >&2
            return 1
        fi
        sleep 0.1
    done

    # -D: foreground (the pid recorded is the daemon's); -i: ignore state from an earlier run in
    # this DIR (there is none; a leftover would bring back old jobs).
    launch "$DIR/log/slurmctld.out" env SLURM_CONF="$DIR/slurm.conf" slurmctld -D -i -f "$DIR/slurm.conf"
    record slurmctld "$!"
    # Several clusters' slurmd share the host name and so the NodeName; they do not conflict:
    # each has its own port, spool folder (stepd sockets) and pid file, and talks to its own
    # slurmctld.
    launch "$DIR/log/slurmd.out" env SLURM_CONF="$DIR/slurm.conf" slurmd -D -f "$DIR/slurm.conf"
    record slurmd "$!"

    rc=0
    wait_ready || rc=$?
    return "$rc"
}

cmd=${1:-}
[ $# -ge 2 ] || usage
DIR=$2
shift 2
case "$cmd" in
_watch)
    # The watcher (see the end of `start`): waits for process $1 (start time $2) to end.
    [ $# -eq 2 ] || usage
    while [ "$(start_time "$1")" = "$2" ]; do sleep 1; done
    echo "watched process $1 ended: stopping the cluster"
    stop_cluster "$DIR"
    exit 0
    ;;
stop)
    [ $# -eq 0 ] || usage
    [ -d "$DIR" ] || { echo "local-cluster: no folder $DIR" >&2; exit 1; }
    DIR=$(cd "$DIR" && pwd)
    stop_cluster "$DIR"
    exit 0
    ;;
start) ;;
*) usage ;;
esac

CPUS=8
GPUS=2
MAX_ARRAY_SIZE=1001
MESSAGE_TIMEOUT=10
WATCH=""
while [ $# -gt 0 ]; do
    case "$1" in
    --cpus) [ $# -ge 2 ] || usage; CPUS=$2; shift 2 ;;
    --gpus) [ $# -ge 2 ] || usage; GPUS=$2; shift 2 ;;
    --max-array-size) [ $# -ge 2 ] || usage; MAX_ARRAY_SIZE=$2; shift 2 ;;
    --message-timeout) [ $# -ge 2 ] || usage; MESSAGE_TIMEOUT=$2; shift 2 ;;
    --watch) [ $# -ge 2 ] || usage; WATCH=$2; shift 2 ;;
    *) usage ;;
    esac
done
case "$CPUS" in '' | *[!0-9]*) echo "local-cluster: --cpus wants a number" >&2; exit 2 ;; esac
case "$GPUS" in '' | *[!0-9]*) echo "local-cluster: --gpus wants a number" >&2; exit 2 ;; esac
case "$MAX_ARRAY_SIZE" in '' | *[!0-9]*) echo "local-cluster: --max-array-size wants a number" >&2; exit 2 ;; esac
case "$MESSAGE_TIMEOUT" in '' | *[!0-9]*) echo "local-cluster: --message-timeout wants a number of seconds" >&2; exit 2 ;; esac
[ "$CPUS" -ge 1 ] || { echo "local-cluster: --cpus must be at least 1" >&2; exit 2; }
[ "$GPUS" -le "$MAX_GPUS" ] || { echo "local-cluster: at most $MAX_GPUS fake GPUs" >&2; exit 2; }
if [ -n "$WATCH" ]; then
    WATCH_START=$(start_time "$WATCH")
    [ -n "$WATCH_START" ] || { echo "local-cluster: no process $WATCH to watch" >&2; exit 2; }
fi

[ "$(id -u)" -eq 0 ] || { echo "local-cluster: must run as root (slurmd starts jobs as their users)" >&2; exit 1; }
for tool in munged slurmctld slurmd sinfo ss shuf; do
    command -v "$tool" > /dev/null || { echo "local-cluster: $tool is not installed (make deps)" >&2; exit 1; }
done

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
if [ -f "$DIR/run/pids" ]; then
    echo "local-cluster: $DIR has a cluster already (run/pids); stop it first" >&2
    exit 1
fi
# 0755: job users (nobody) read slurm.conf and reach the munge socket through DIR; they write
# their output elsewhere (the tests' own folders).
chmod 0755 "$DIR"
mkdir -p "$DIR/munge" "$DIR/state" "$DIR/spool" "$DIR/run" "$DIR/log"
# munged checks its folders: not writable by others; the socket's folder must be searchable by
# the clients (all users).
chmod 0755 "$DIR/munge" "$DIR/run" "$DIR/log"
chmod 0700 "$DIR/state"
chmod 0755 "$DIR/spool"
if [ ! -f "$DIR/munge/munge.key" ]; then
    (umask 077 && dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1 count=1024 status=none)
fi
chmod 0400 "$DIR/munge/munge.key"
# A unique name: it shows in every log line and error, so a message says which cluster it is from.
CLUSTER="xg$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"

attempt=1
while :; do
    rc=0
    start_once || rc=$?
    [ "$rc" -ne 0 ] || break
    if [ "$rc" -eq 3 ] && [ "$attempt" -lt 3 ]; then
        echo "local-cluster: a port was taken meanwhile; retrying with other ports" >&2
        stop_cluster "$DIR"
        rm -f "$DIR/munge/munge.socket" "$DIR/munge/munge.socket.lock"
        attempt=$((attempt + 1))
        continue
    fi
    log_tails
    stop_cluster "$DIR"
    echo "local-cluster: start failed; logs are in $DIR/log" >&2
    exit 1
done

if [ -n "$WATCH" ]; then
    # The watcher stops the cluster when the watched process ends, even by SIGKILL. Not
    # `setpriv --pdeathsig`: the daemons' parent is this script, which exits now, and the signal
    # would kill them at once; the test process is no parent of theirs. The watcher is this
    # script (`_watch`); its `stop` skips its own pid in the records.
    self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
    launch "$DIR/log/watcher.out" "$self" _watch "$DIR" "$WATCH" "$WATCH_START"
    record watcher "$!"
fi

echo "export SLURM_CONF=$DIR/slurm.conf"
