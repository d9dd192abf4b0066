#!/usr/bin/env bash
# mpirun with what people forget, everything else passed through unchanged:
#
#   launch/mpirun.sh -np 4 build/manet train --config configs/fmnist.yaml
#
#  - one BLAS/OpenMP thread per rank (OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1),
#    exported to every rank: ranks already share the cores;
#  - MANET_PROGRESS=bar when this script writes to a terminal (the live progress bar),
#    lines otherwise, unless already set;
#  - binding: one rank per core when they fit on this machine; more ranks than cores
#    (a laptop, CI) gets --oversubscribe, no binding and yielding idle ranks instead of
#    Open MPI's refusal. Inside Slurm, or with your own --host/--hostfile/--bind-to/--map-by,
#    placement is left to you and the allocation;
#  - Open MPI's run-as-root variables, only when running as root (containers, CI);
#  - Ctrl-C and SIGTERM stop the run *with a checkpoint*: mpirun itself would kill the
#    ranks 1-2 s after either, so mpirun runs in its own process group and this script
#    turns the first INT/TERM into SIGUSR1, which mpirun forwards and manet treats as a
#    stop signal (checkpoint.stop_signals). A second Ctrl-C ends the job at once.
# MPIRUN names another mpirun binary; MANET_MPIRUN_DRY=1 prints the command instead.
set -euo pipefail

np=""
placement_given=0
prev=""
for a in "$@"; do
  case "$prev" in -np|-n|--np|-c) np=$a ;; esac
  case "$a" in
    --bind-to|--map-by|--host|-H|--hostfile|--machinefile|--rankfile|--oversubscribe) placement_given=1 ;;
    -np=*|--np=*) np=${a#*=} ;;
  esac
  prev=$a
done

extra=(-x "OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}" -x "OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}")
# The live progress bar when this script's output is a terminal, plain lines otherwise (a
# log file, a pipe): mpirun gives every rank a pseudo-terminal, so the ranks cannot tell.
if [[ -t 1 ]]; then progress=bar; else progress=lines; fi
extra+=(-x "MANET_PROGRESS=${MANET_PROGRESS:-$progress}")
if [[ $placement_given == 0 && -z "${SLURM_JOB_ID:-}" && -n "$np" ]]; then
  cores=$("$(dirname "${BASH_SOURCE[0]}")/cores.sh")  # the affinity mask, not OMP_NUM_THREADS
  if (( np <= cores )); then
    extra+=(--bind-to core --map-by core)
  else
    extra+=(--oversubscribe --bind-to none --mca mpi_yield_when_idle 1)
  fi
fi
if [[ $(id -u) == 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

cmd=("${MPIRUN:-mpirun}" "${extra[@]}" "$@")
if [[ "${MANET_MPIRUN_DRY:-0}" == 1 ]]; then
  printf '%q ' "${cmd[@]}"
  echo
  exit 0
fi

# Own process group (job control), stdin closed (a background group reading the tty
# would be stopped); forward signals as described above.
set -m
"${cmd[@]}" </dev/null &
pid=$!
set +m
stopping=0
forward() {
  if [[ $1 == INT && $stopping == 1 ]]; then
    echo "launch/mpirun.sh: second Ctrl-C: ending the job now" >&2
    kill -TERM "$pid" 2>/dev/null || true
  else
    stopping=1
    kill -USR1 "$pid" 2>/dev/null || true
  fi
}
trap 'forward INT' INT
trap 'forward TERM' TERM
trap 'forward USR1' USR1
# `wait` returns early whenever a trapped signal arrives: wait again until mpirun is gone.
while true; do
  rc=0
  wait "$pid" || rc=$?
  kill -0 "$pid" 2>/dev/null || break
done
exit "$rc"
