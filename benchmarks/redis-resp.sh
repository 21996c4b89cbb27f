#!/usr/bin/env bash
# Runs the client layer's RESP framing (core's RespAgainstRedisTest) against a real redis-server:
# installs it with apt-get when missing, starts it on a free loopback port without persistence,
# runs the tagged tests, and stops it. About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null; then
  echo "installing redis-server"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning &
redis=$!
trap 'kill $redis 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
  sleep 0.1
done
echo "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port"
mvn -B -ntp -pl core test -Dtest.excludedGroups=none -Dgroups=redis -Dtest='RespAgainstRedisTest' -Dredis.port="$port" \
  -Dsurefire.failIfNoSpecifiedTests=true
