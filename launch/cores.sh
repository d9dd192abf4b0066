#!/usr/bin/env bash
# Prints how many cores this process may run on: the CPUs of its affinity mask (which
# Slurm, taskset and cgroup cpusets set), lowered to a cgroup CPU quota when there is one.
# OMP_NUM_THREADS and OMP_THREAD_LIMIT do not change the answer: clusters export
# OMP_NUM_THREADS=1 and GNU nproc honours it, which would make every machine look like
# one core. Used by launch/mpirun.sh, launch/quickstart.sh, cluster/local-slurm.sh, bench/.
set -euo pipefail
cores=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
quota_cores() {  # ceil(quota / period) of a cgroup v2 cpu.max or v1 cfs files; nothing if unlimited
  local quota period
  if [[ -r /sys/fs/cgroup/cpu.max ]]; then
    read -r quota period </sys/fs/cgroup/cpu.max
  elif [[ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us && -r /sys/fs/cgroup/cpu/cpu.cfs_period_us ]]; then
    quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) period=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)
  else
    return 0
  fi
  [[ $quota =~ ^[0-9]+$ && $period =~ ^[0-9]+$ && $period -gt 0 ]] || return 0
  echo $(((quota + period - 1) / period))
}
limit=$(quota_cores)
if [[ -n $limit ]] && ((limit >= 1 && limit < cores)); then cores=$limit; fi
echo "$cores"
