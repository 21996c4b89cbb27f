#!/usr/bin/env bash
# Runs the TLS comparison (bufferevent vs Netty's SslHandler, both on the JDK provider, against an
# OpenSSL server) and writes the TLS section of benchmarks/RESULTS.md (run.sh keeps that section).
# Needs Java 17, Maven, gcc, the openssl command and OpenSSL 3 headers (installed with apt-get when
# missing). Takes about 5 minutes on a 2-core machine. Extra arguments go to the harness, e.g.
#   benchmarks/tls.sh --repeats=5 --measure=5 --server-cpu=none --client-cpu=none
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v gcc >/dev/null || ! command -v openssl >/dev/null || [ ! -f /usr/include/openssl/ssl.h ]; then
  echo "installing gcc, openssl and libssl-dev"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc openssl libssl-dev >/dev/null
fi
build=benchmarks/native/build
mkdir -p "$build"
gcc -O2 -Wall -Wextra -o "$build/tls_server" benchmarks/native/tls_server.c benchmarks/native/server_common.c -lssl -lcrypto

# A throwaway certificate for localhost, made for this run: the build folder is git-ignored, keys are never committed.
rm -f "$build/tls_key.pem" "$build/tls_cert.pem"
(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$build/tls_key.pem" -out "$build/tls_cert.pem" 2>/dev/null)

mvn -B -q -ntp -pl benchmarks -am package -DskipTests
ulimit -n "$(ulimit -Hn)"
exec java -Xms256m -Xmx512m -cp benchmarks/target/benchmarks.jar io.github.bufferevent.bench.TlsHarness --native="$build" "$@"
