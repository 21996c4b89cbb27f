#!/usr/bin/env bash
# One loop serving a 64 KiB stream and a 64 B ping-pong at once: prints the ping-pong latency
# percentiles, the stream's throughput and the longest loop turn (see FairnessProbe).
#   benchmarks/fairness.sh [rounds]     (default 20000; about 10 s on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl benchmarks -am package -DskipTests
exec java -Xms256m -Xmx1g -cp benchmarks/target/benchmarks.jar io.github.bufferevent.bench.FairnessProbe "$@"
