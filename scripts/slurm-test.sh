#!/bin/sh
# A real single-node Slurm on this machine, as root: installs Debian's slurmctld, slurmd,
# slurm-client and munge if missing, writes a private configuration, starts munged, slurmctld
# and slurmd, submits a 4-point sweep with `clln sweep --executor slurm`, waits for it, and checks
# that `clln sweep collect` gives exactly the local executor's table (minus wall times). The
# daemons are stopped and the folder removed on every exit. Settings: docs in
# ../shared/design/slurm-single-node.md (ports 6817/6818: one such cluster at a time, hence a lock).
#
# Usage: scripts/slurm-test.sh [path/to/clln]   (default .build/debug/clln, built if missing)
set -eu

start=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) $start" | awk '{ printf "%.1f", $1 - $2 }'; }
say() { echo "[slurm-test $(elapsed) s] $*"; }
fail() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (the daemons run as root and munged as the munge user)"
root=$(cd "$(dirname "$0")/.." && pwd)
clln=${1:-$root/.build/debug/clln}
if [ ! -x "$clln" ]; then (cd "$root" && swift build --product clln); fi
clln=$(cd "$(dirname "$clln")" && pwd)/$(basename "$clln")

# One cluster at a time on the fixed ports.
exec 9>/tmp/clln-slurm-test.lock
flock -w 300 9 || fail "another slurm-test holds /tmp/clln-slurm-test.lock"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
    || ! command -v munged >/dev/null; then
    say "installing slurmctld slurmd slurm-client munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi

dir=$(mktemp -d /tmp/clln-slurm.XXXXXX)
chmod 755 "$dir"
host=$(hostname)
added_host=""
cleanup() {
    status=$?
    trap - EXIT INT TERM
    if [ -n "${SLURM_CONF:-}" ] && [ -f "$dir/slurmctld.pid" ]; then
        scontrol shutdown >/dev/null 2>&1 || true
    fi
    for pid in ${ctld_pid:-} ${slurmd_pid:-}; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill "$pid" 2>/dev/null || true
    done
    if [ -f "$dir/munge/munged.pid" ]; then kill "$(cat "$dir/munge/munged.pid")" 2>/dev/null || true; fi
    if [ -n "$added_host" ]; then sed -i "/^127.0.0.1 $host # clln-slurm-test$/d" /etc/hosts; fi
    if [ "$status" -ne 0 ]; then
        for log in "$dir/slurmctld.log" "$dir/slurmd.log"; do
            [ -f "$log" ] && { echo "--- tail of $log"; tail -n 15 "$log"; }
        done
    fi
    rm -rf "$dir"
    say "daemons stopped, $dir removed (exit $status)"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The host name must resolve for slurmctld and slurmd.
if ! getent hosts "$host" >/dev/null; then
    echo "127.0.0.1 $host # clln-slurm-test" >>/etc/hosts
    added_host=yes
fi

# munge: its own key and socket in the private folder, run as the munge user.
mkdir -p "$dir/munge"
chown munge:munge "$dir/munge"
chmod 0755 "$dir/munge"
socket=$dir/munge/munge.socket.2
runuser -u munge -- mungekey --create --keyfile="$dir/munge/munge.key"
runuser -u munge -- munged --socket="$socket" --key-file="$dir/munge/munge.key" \
    --log-file="$dir/munge/munged.log" --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed"
munge -S "$socket" -n | unmunge -S "$socket" >/dev/null || fail "munge does not round-trip"

# The node as slurmd sees it, with memory a little under the total.
node=$(slurmd -C | head -n 1 | awk '{
    for (i = 1; i <= NF; i++) if ($i ~ /^RealMemory=/) { split($i, m, "="); $i = "RealMemory=" int(m[2] * 0.9) }
    print }')
mkdir -p "$dir/state" "$dir/spool"
cat >"$dir/slurm.conf" <<CONF
ClusterName=clln-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >/dev/null 2>&1 &
ctld_pid=$!
slurmd -D -f "$SLURM_CONF" >/dev/null 2>&1 &
slurmd_pid=$!
for _ in $(seq 300); do
    [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break
    sleep 0.1
done
[ "$(sinfo -h -o %T 2>/dev/null)" = idle ] || fail "the node did not become idle"
say "cluster up: $(sinfo -h -o '%P %D %T %c CPUs')"

# A small sweep: four-state, 4 points, 2 trials of 2000 steps each.
cat >"$dir/spec.yaml" <<SPEC
base: four-state
trials: 2
settings: {steps: 2000}
design: {kind: grid, parameters: {alpha: [0.3, 1], eta: [0.05, 0.1]}}
SPEC
"$clln" sweep "$dir/spec.yaml" --executor slurm --out "$dir/slurm" --mem 200M --time 00:05:00
for _ in $(seq 1200); do
    [ -z "$(squeue -h 2>/dev/null)" ] && break
    sleep 0.1
done
[ -z "$(squeue -h)" ] || fail "the job array did not finish within 120 s"
say "job array finished"
"$clln" sweep status "$dir/slurm"
"$clln" sweep collect "$dir/slurm" >/dev/null

"$clln" sweep "$dir/spec.yaml" --out "$dir/local" --jobs 2 >/dev/null
say "local executor finished"

"$clln" sweep status "$dir/slurm" --json | grep -q '"done" : 4' || fail "not every Slurm point is done"
grep -v '"wall_s"' "$dir/slurm/table.json" >"$dir/slurm.table"
grep -v '"wall_s"' "$dir/local/table.json" >"$dir/local.table"
diff "$dir/local.table" "$dir/slurm.table" >/dev/null || { diff "$dir/local.table" "$dir/slurm.table" | head -20; fail "the Slurm table differs from the local one"; }
say "PASS: the Slurm executor's table equals the local executor's ($(grep -c '"point" : ' "$dir/slurm.table") points)"
