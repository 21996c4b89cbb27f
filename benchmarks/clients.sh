#!/usr/bin/env bash
# Pipelined line request/reply against the C echo server: this project's BufferEventClient vs
# Spring Integration's TcpOutboundGateway vs Reactor Netty's TcpClient, 1 and 16 calling threads x
# 1 and 4 connections in a closed loop, and one calling thread pipelining 16 requests x 1 and 4
# connections, 3 interleaved repetitions. Writes benchmarks/CLIENTS.md (the tables; a
# hand-written analysis at its end is kept).
# Needs Java 17, Maven and gcc (installed with apt-get when missing). Takes about 12 minutes on a
# 2-core machine: the server is pinned to CPU 1, every client JVM to CPU 0. Extra arguments go to
# the harness, e.g.
#   benchmarks/clients.sh --repeats=5 --measure=5 --server-cpu=none --client-cpu=none
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v gcc >/dev/null; then
  echo "installing gcc"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null
fi
mkdir -p benchmarks/native/build
gcc -O2 -Wall -Wextra -o benchmarks/native/build/bench_server benchmarks/native/bench_server.c benchmarks/native/server_common.c

mvn -B -q -ntp -pl benchmarks -am package -DskipTests
ulimit -n "$(ulimit -Hn)"
# The whole run is bounded: each client run is bounded by the harness (and by its own watchdog).
exec timeout 1080 java -Xms256m -Xmx512m -cp benchmarks/target/benchmarks.jar io.github.bufferevent.bench.ClientsHarness \
  --native=benchmarks/native/build "$@"
