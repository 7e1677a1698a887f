#!/usr/bin/env bash
# A one-node Slurm cluster on loopback for the tests (Debian's slurm-wlm + munge, as root).
#   bash test/slurm/cluster.sh start   -> prints SLURM_CONF=<file> once `sinfo` shows the node idle (and REUSED
#                                         when a cluster this script started earlier was already up)
#   bash test/slurm/cluster.sh stop    -> stops what `start` started (nothing when it reused a running cluster)
# Only one cluster can run on a machine: `start` reuses one this script started (state in $DIR), and fails
# clearly when another slurmctld runs. Exit 3 = Slurm cannot run here (not root, packages missing): tests skip.
set -euo pipefail
DIR=${NNUNET_SLURM_DIR:-/tmp/nnunet-slurm}
CONF=$DIR/slurm.conf
cmd=${1:-start}

need() { echo "slurm-cluster: $*" >&2; exit 3; }

if [ "$cmd" = stop ]; then
  [ -f "$DIR/started" ] || exit 0
  for p in slurmd slurmctld munged; do
    [ -f "$DIR/$p.pid" ] && kill "$(cat "$DIR/$p.pid")" 2>/dev/null || true
  done
  rm -f "$DIR/started" "$DIR"/*.pid
  exit 0
fi

[ "$(id -u)" = 0 ] || need "needs root to start slurmctld/slurmd/munged"
for b in munged slurmctld slurmd sinfo sbatch; do command -v "$b" >/dev/null || need "$b not installed (apt-get install slurm-wlm munge)"; done

if [ -f "$DIR/started" ] && SLURM_CONF=$CONF sinfo -h -o %T 2>/dev/null | grep -q idle; then
  echo "SLURM_CONF=$CONF"; echo REUSED; exit 0
fi
if pgrep -x slurmctld >/dev/null; then
  echo "slurm-cluster: a slurmctld not started by this script is running; stop it first" >&2; exit 1
fi

mkdir -p "$DIR/spool/ctld" "$DIR/spool/d" "$DIR/log" /run/munge /var/log/munge /var/lib/munge
chown -R slurm:slurm "$DIR/spool/ctld" "$DIR/log"
chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
if ! pgrep -x munged >/dev/null; then
  # munged writes its pid file as the daemon (pgrep here could catch the parent that forks it and exits)
  runuser -u munge -- munged --force --pid-file=/run/munge/munged.pid
  cp /run/munge/munged.pid "$DIR/munged.pid"
fi

cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
cat > "$CONF" <<CONFEOF
ClusterName=nnunet-test
SlurmctldHost=localhost
SlurmUser=slurm
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
StateSaveLocation=$DIR/spool/ctld
SlurmdSpoolDir=$DIR/spool/d
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
KillWait=30
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONFEOF
: > "$DIR/log/jobcomp.log"
chown slurm:slurm "$DIR/log/jobcomp.log"

SLURM_CONF=$CONF slurmctld -f "$CONF"
SLURM_CONF=$CONF slurmd -f "$CONF" -N localhost
touch "$DIR/started"
for _ in $(seq 1 100); do
  if SLURM_CONF=$CONF sinfo -h -o %T 2>/dev/null | grep -q idle; then echo "SLURM_CONF=$CONF"; exit 0; fi
  sleep 0.2
done
echo "slurm-cluster: the node did not become idle within 20 s; see $DIR/log/" >&2
SLURM_CONF=$CONF sinfo >&2 || true
exit 1
