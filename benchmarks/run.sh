#!/usr/bin/env bash
# Runs the whole comparison and writes benchmarks/RESULTS.md and benchmarks/results.png (keeping the TLS
# section that benchmarks/tls.sh writes there).
# Needs Java 17, Maven, gcc and libevent 2.1 headers (installed with apt-get when missing).
# Takes about 7 minutes on a 2-core machine. Extra arguments go to the harness, e.g.
#   benchmarks/run.sh --repeats=5 --measure=5 --server-cpu=none --client-cpu=none
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v gcc >/dev/null || [ ! -f /usr/include/event2/event.h ]; then
  echo "installing gcc and libevent-dev"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libevent-dev >/dev/null
fi
mkdir -p benchmarks/native/build
gcc -O2 -Wall -Wextra -o benchmarks/native/build/bench_server benchmarks/native/bench_server.c benchmarks/native/server_common.c
gcc -O2 -Wall -Wextra -o benchmarks/native/build/libevent_client benchmarks/native/libevent_client.c -levent

mvn -B -q -ntp -pl benchmarks -am package -DskipTests
ulimit -n "$(ulimit -Hn)"
exec java -Xms256m -Xmx1g -jar benchmarks/target/benchmarks.jar --native=benchmarks/native/build "$@"
