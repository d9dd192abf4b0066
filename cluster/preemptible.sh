#!/bin/bash
# Runs a launcher (srun or launch/mpirun.sh) as the body of a Slurm batch job and makes
# preemption a non-event: USR1 or TERM sent to the batch shell (`#SBATCH
# --signal=B:USR1@180`, `scancel --signal=USR1 --batch JOB`) is passed on to the ranks,
# which checkpoint at the end of their step and exit 0; the job is then requeued and its
# next start resumes from that checkpoint (checkpoint.resume: auto).
#
#   exec cluster/preemptible.sh srun --mpi=pmix build/manet train --config CONFIG
set -uo pipefail
stamp() { date -u +%FT%T.%3NZ; }
echo "== job ${SLURM_JOB_ID:-?} start ${SLURM_RESTART_COUNT:-0} on ${SLURM_JOB_NODELIST:-?}, ${SLURM_NTASKS:-?} ranks, $(stamp)"
"$@" &
step=$!
signalled=0
forward() {  # srun and launch/mpirun.sh pass the signal on to every rank
  signalled=1
  echo "== $1 at $(stamp): asking the ranks to checkpoint and stop"
  kill -"$1" "$step" 2>/dev/null || true
}
trap 'forward USR1' USR1
trap 'forward TERM' TERM
rc=0
while true; do  # `wait` returns early when a trapped signal arrives
  wait "$step"
  rc=$?
  kill -0 "$step" 2>/dev/null || break
done
echo "== ranks ended with status $rc at $(stamp)"
if [[ $signalled == 1 && $rc == 0 && -n "${SLURM_JOB_ID:-}" ]]; then
  echo "== requeueing job $SLURM_JOB_ID to resume from the checkpoint"
  scontrol requeue "$SLURM_JOB_ID"
fi
exit "$rc"
