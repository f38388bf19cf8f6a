#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for `apc experiment --executor slurm` without a real cluster (docs/cluster.md)
# and for the tests. Needs root (Debian's slurm-wlm and munge are installed when absent).
#
#   eval "$(scripts/slurm-local.sh start [DIR])"   # starts munged, slurmctld, slurmd; prints export SLURM_CONF=DIR/slurm.conf
#   scripts/slurm-local.sh stop [DIR]              # cancels the cluster's jobs and stops the three daemons it started
#
# Everything lives in DIR (default /tmp/apc-slurm): slurm.conf, munge key and socket, state, spool, logs, pid files.
# Nothing under /etc is touched and a munged or Slurm already running elsewhere is left alone. Ports: APC_SLURM_PORT
# (slurmctld, default 6817) and the one after it (slurmd). Messages go to stderr; stdout carries only the export line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
action="${1:-}"
dir="$(mkdir -p "${2:-/tmp/apc-slurm}" && cd "${2:-/tmp/apc-slurm}" && pwd)"
port="${APC_SLURM_PORT:-6817}"

# The pid in FILE, if that process is still the daemon NAME (a recycled pid of another program is never signalled).
own_pid() {
  local file="$1" name="$2" pid
  [ -f "$file" ] || return 1
  pid="$(tr -dc 0-9 <"$file")"
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$name" ] && echo "$pid"
}

stop() {
  if [ -f "$dir/slurm.conf" ] && own_pid "$dir/slurmctld.pid" slurmctld >/dev/null; then
    SLURM_CONF="$dir/slurm.conf" squeue -h -o %i 2>/dev/null | xargs -r env SLURM_CONF="$dir/slurm.conf" scancel 2>/dev/null || true
  fi
  for name in slurmd slurmctld munged; do
    if pid="$(own_pid "$dir/$name.pid" "$name")"; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
      [ -d "/proc/$pid" ] && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$name.pid"
  done
}

fail() {
  echo "slurm-local: $1" >&2
  for log in "$dir"/log/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }; done
  stop
  exit 1
}

start() {
  [ "$(id -u)" = 0 ] || { echo "slurm-local: run as root (it installs and starts system daemons)." >&2; exit 1; }
  source "$here/prereqs.sh"
  apc_ensure_slurm || exit 1
  stop # a cluster left behind in the same folder
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  chmod 700 "$dir" "$dir/munge"
  [ -s "$dir/munge/munge.key" ] || { head -c 1024 /dev/urandom >"$dir/munge/munge.key"; chmod 400 "$dir/munge/munge.key"; }
  munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" || fail "munged did not start."

  local cpus mem
  cpus="$(nproc)"
  mem="$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)"
  cat >"$dir/slurm.conf" <<CONF
# Written by scripts/slurm-local.sh: a one-node cluster on localhost, no accounting, no cgroups.
ClusterName=apc-local
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  slurmctld -f "$dir/slurm.conf" -i || fail "slurmctld did not start."
  slurmd -f "$dir/slurm.conf" -N localhost || fail "slurmd did not start."
  export SLURM_CONF="$dir/slurm.conf"
  for _ in $(seq 150); do
    case "$(sinfo -h -o %T 2>/dev/null)" in idle*|mixed*|allocated*) echo "slurm-local: one-node cluster up ($cpus CPUs); SLURM_CONF=$SLURM_CONF" >&2
      echo "export SLURM_CONF=$SLURM_CONF"; return 0 ;; esac
    sleep 0.2
  done
  fail "the node did not become idle within 30 s (sinfo: $(sinfo -h -o '%T %E' 2>&1 | head -1))."
}

case "$action" in
  start) start ;;
  stop) stop; echo "slurm-local: stopped the cluster in $dir" >&2 ;;
  *) echo "usage: scripts/slurm-local.sh start|stop [DIR]" >&2; exit 2 ;;
esac
