#!/usr/bin/env bash
# Starts a real two-node Slurm cluster on this machine (the recipe of docs/executors.md):
# munge, slurmctld and two slurmd processes (nodes n1 and n2, one CPU each) from Debian's
# slurm-wlm and munge packages, which must already be installed. Needs root. Idempotent:
# what already runs is left running, and it returns once `sinfo` shows both nodes idle.
# Stop it with scripts/slurm/stop.sh.
set -euo pipefail

for tool in munged munge slurmctld slurmd sinfo scontrol; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "slurm/start.sh: '$tool' is not installed (apt-get install slurm-wlm munge)" >&2
    exit 1
  fi
done
if [ "$(id -u)" != 0 ]; then
  echo "slurm/start.sh: needs root (it writes /etc/slurm/slurm.conf and starts system daemons)" >&2
  exit 1
fi

# A pid file names a live process only when that pid runs the expected program; a stale file
# from an earlier boot must not make us skip a start.
running() { # pidfile program
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$2" ]
}

# munge: the key must be owned by munge and unreadable to others; as root munged needs --force.
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
[ -f /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 400 /etc/munge/munge.key
if ! running /run/munge/munged.pid munged; then
  munged --force
fi
for _ in $(seq 1 50); do
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
  sleep 0.1
done
munge -n | unmunge >/dev/null

host=$(hostname)
# Each node offers half this machine's memory, at most 4 GB, so `--mem=2G` fits and a job
# asking for more than a node has is rejected as it would be on a real cluster.
mem_mb=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1024 / 2 ))
[ "$mem_mb" -gt 4096 ] && mem_mb=4096
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd-n1 /var/spool/slurmd-n2 /var/log/slurm
conf=$(cat <<CONF
# Written by weir scripts/slurm/start.sh: a two-node test cluster on one machine.
ClusterName=weir
SlurmctldHost=$host
MpiDefault=none
ProctrackType=proctrack/linuxproc
ReturnToService=2
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd-%n.pid
SlurmdSpoolDir=/var/spool/slurmd-%n
StateSaveLocation=/var/spool/slurmctld
SlurmUser=root
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd-%n.log
KillWait=5
NodeName=n1 NodeHostname=$host Port=17001 CPUs=1 RealMemory=$mem_mb State=UNKNOWN
NodeName=n2 NodeHostname=$host Port=17002 CPUs=1 RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP
CONF
)
# Rewriting an unchanged file would be harmless, but a changed one under running daemons is
# not: they keep the old configuration until restarted.
# Node definitions are read only at start, so a changed file restarts the Slurm daemons.
if [ ! -f /etc/slurm/slurm.conf ] || [ "$(cat /etc/slurm/slurm.conf)" != "$conf" ]; then
  if running /run/slurmctld.pid slurmctld || running /run/slurmd-n1.pid slurmd || running /run/slurmd-n2.pid slurmd; then
    timeout 10 scontrol shutdown >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do
      running /run/slurmctld.pid slurmctld || running /run/slurmd-n1.pid slurmd || running /run/slurmd-n2.pid slurmd || break
      sleep 0.1
    done
  fi
  printf '%s\n' "$conf" > /etc/slurm/slurm.conf
fi

running /run/slurmctld.pid slurmctld || slurmctld
for node in n1 n2; do
  running "/run/slurmd-$node.pid" slurmd || slurmd -N "$node"
done

# Nodes register with the controller a moment after their slurmd starts.
for _ in $(seq 1 150); do
  idle=$(timeout 5 sinfo -h -N -o '%N %t' 2>/dev/null | awk '$2 == "idle" || $2 == "mix" || $2 == "alloc" { n++ } END { print n + 0 }')
  if [ "$idle" = 2 ]; then
    timeout 5 sinfo
    exit 0
  fi
  sleep 0.2
done
echo "slurm/start.sh: the nodes did not come up within 30 s; sinfo says:" >&2
timeout 5 sinfo -N >&2 || true
echo "see /var/log/slurm/slurmctld.log and /var/log/slurm/slurmd-n1.log" >&2
exit 1
