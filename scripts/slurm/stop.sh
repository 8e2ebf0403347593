#!/usr/bin/env bash
# Stops the cluster scripts/slurm/start.sh started: `scontrol shutdown` ends the controller
# and both slurmd nodes, munged is ended by the pid in its own pid file (never by name, so
# another munged on the machine is not touched). Safe to run when nothing is running.
set -uo pipefail

running() { # pidfile program
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$2" ]
}

if running /run/slurmctld.pid slurmctld; then
  timeout 10 scontrol shutdown >/dev/null 2>&1 || true
fi
# scontrol shutdown asks the daemons to exit; wait for them, and end by pid what is left.
for _ in $(seq 1 100); do
  running /run/slurmctld.pid slurmctld || running /run/slurmd-n1.pid slurmd || running /run/slurmd-n2.pid slurmd || break
  sleep 0.1
done
for pair in /run/slurmctld.pid:slurmctld /run/slurmd-n1.pid:slurmd /run/slurmd-n2.pid:slurmd; do
  file=${pair%%:*}
  if running "$file" "${pair##*:}"; then kill "$(cat "$file")" 2>/dev/null || true; fi
done

if running /run/munge/munged.pid munged; then
  pid=$(cat /run/munge/munged.pid)
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    [ -d "/proc/$pid" ] || break
    sleep 0.1
  done
fi
echo "slurm: stopped"
