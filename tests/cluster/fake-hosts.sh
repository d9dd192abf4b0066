#!/usr/bin/env bash
# Several "hosts" on this machine: one network namespace each, joined by veth pairs to a
# bridge, with private addresses used only among themselves. mpirun starts ranks in them
# through tests/cluster/netns-rsh (an rsh agent), so MPI between them really crosses TCP.
#
#   tests/cluster/fake-hosts.sh up N     hosts h1..hN at 10.77.0.11.., bridge 10.77.0.1
#   tests/cluster/fake-hosts.sh down N   remove them (also what a failed `up` left)
#   tests/cluster/fake-hosts.sh bytes N  bytes sent + received on the hosts' links so far
#
# Needs root (ip netns). Names: namespaces mn-hI, links mn-hI-br / mn-hI-eth, bridge mnbr0.
set -euo pipefail
action=${1:-} n=${2:-2}
case "$action" in
up)
  "$0" down "$n" 2>/dev/null || true
  ip link add mnbr0 type bridge
  # IPv4 only: no IPv6 neighbour discovery chatter on the links whose bytes we count.
  sysctl -qw net.ipv6.conf.mnbr0.disable_ipv6=1 2>/dev/null || true
  ip addr add 10.77.0.1/24 dev mnbr0
  ip link set mnbr0 up
  for i in $(seq "$n"); do
    ns=mn-h$i
    ip netns add "$ns"
    ip link add "mn-h$i-br" type veth peer name "mn-h$i-eth"
    sysctl -qw "net.ipv6.conf.mn-h$i-br.disable_ipv6=1" 2>/dev/null || true
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
    ip link set "mn-h$i-br" master mnbr0 up
    ip link set "mn-h$i-eth" netns "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "10.77.0.$((10 + i))/24" dev "mn-h$i-eth"
    ip -n "$ns" link set "mn-h$i-eth" up
  done
  for i in $(seq "$n"); do  # every host routes to the bridge, where mpirun listens
    ip netns exec "mn-h$i" ip route get 10.77.0.1 >/dev/null
  done
  ;;
down)
  for i in $(seq "$n"); do
    ip netns del "mn-h$i" 2>/dev/null || true
    ip link del "mn-h$i-br" 2>/dev/null || true
  done
  ip link del mnbr0 2>/dev/null || true
  ;;
bytes)
  total=0
  for i in $(seq "$n"); do
    for d in rx tx; do total=$((total + $(cat "/sys/class/net/mn-h$i-br/statistics/${d}_bytes"))); done
  done
  echo "$total"
  ;;
*)
  sed -n '2,10p' "$0" >&2
  exit 2
  ;;
esac
