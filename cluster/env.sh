# ============================================================================
#  THE ONE PLACE FOR PER-CLUSTER SETTINGS. Every sbatch template sources this
#  file before launching; edit it (or copy it) for your site, nothing else.
# ============================================================================
# Modules, if your site uses them:
#   module load openmpi/4.1 hdf5/1.10
#
# Threads: one per rank (ranks already share the cores).
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
#
# InfiniBand / RoCE with Open MPI over UCX (check `ucx_info -d` for device names):
#   export OMPI_MCA_pml=ucx
#   export UCX_NET_DEVICES=mlx5_0:1
# TCP only, on a named interface:
#   export OMPI_MCA_btl=self,vader,tcp
#   export OMPI_MCA_btl_tcp_if_include=ib0
#
# GPU nodes (NCCL):
#   export NCCL_IB_HCA=mlx5_0
#   export NCCL_SOCKET_IFNAME=ib0
#   export NCCL_DEBUG=WARN
#
# The manet binary the jobs run (default: build/manet under the submit directory).
export MANET=${MANET:-build/manet}
