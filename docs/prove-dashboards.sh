#!/usr/bin/env bash
# Proves docs/grafana/bufferevent.json and docs/prometheus/bufferevent-alerts.yml against real parts:
# builds and starts the demo app, starts Debian's prometheus scraping it every second with the
# alert rules loaded, runs a load, checks the rules with promtool, and evaluates every panel query,
# every template variable and the query part of every alert through Prometheus' HTTP API.
# Fails, naming the query, if any returns no series (or an error).
#
#   docs/prove-dashboards.sh                          # everything
#   SKIP_BUILD=1 docs/prove-dashboards.sh             # use demo-app/target/*.jar as it is
#   SCREENSHOT=docs/prometheus-graph.png docs/prove-dashboards.sh   # also a Prometheus graph page
#                                                     # screenshot, with chromium (apt-get install chromium)
#   KEEP_TMP=1 ...                                    # keep the temp dir (logs, TSDB)
#   DASHBOARD=other.json RULES=other.yml ...          # prove other files the same way
#
# Needs Java 17 and Maven; installs prometheus (with promtool) and jq with apt-get when missing
# (as root, or with sudo). On a machine running systemd the Debian package also enables
# prometheus.service on :9090: `systemctl disable --now prometheus` if you do not want it. This
# script starts its own prometheus on a free loopback port and stops everything it started.
#
# The demo runs with four things added on its command line (demo-app itself is not changed), so
# that every series a panel or alert reads exists during the run:
#   - client `down`: points at a loopback port nothing listens on (connect refused: connects
#     outcome refused, errors kind connect, connections_active 0, exchanges outcome rejected);
#   - client `tls`: speaks TLS to the demo's own plain-HTTP port (handshake failure: TLS handshake
#     timer, errors kind tls, disconnects, a reconnect storm);
#   - a write rate limit on `frames` (rate-limit suspensions);
#   - percentile histograms for the exchange, loop-turn and TLS-handshake timers (p50/p99 panels).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DASHBOARD="${DASHBOARD:-$ROOT/docs/grafana/bufferevent.json}"
RULES="${RULES:-$ROOT/docs/prometheus/bufferevent-alerts.yml}"
RATE_INTERVAL=30s      # stands for Grafana's $__rate_interval
RANGE=5m               # stands for Grafana's $__range
ALL='.+'               # stands for the template variables $client and $instance ("All")

log() { printf '[prove-dashboards %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { log "FAIL: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root or sudo to run: $*"; fi
}

# ---- tools -------------------------------------------------------------------------------------
missing=()
command -v prometheus >/dev/null || missing+=(prometheus)
command -v promtool >/dev/null || missing+=(prometheus)
command -v jq >/dev/null || missing+=(jq)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  log "installing with apt-get: $pkgs"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $pkgs >/dev/null
fi
for tool in java mvn prometheus promtool jq curl; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
log "$(prometheus --version 2>&1 | head -1)"

# ---- state and cleanup -------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/prove-dashboards.XXXXXX")
DEMO_PID=""
PROM_PID=""
cleanup() {
  rc=$?
  for pid in $PROM_PID $DEMO_PID; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  if [ "$rc" != 0 ]; then
    [ -f "$WORK/demo.log" ] && { log "last lines of the demo's log:"; tail -n 20 "$WORK/demo.log"; }
    [ -f "$WORK/prometheus.log" ] && { log "last lines of prometheus' log:"; tail -n 20 "$WORK/prometheus.log"; }
  fi
  if [ "${KEEP_TMP:-0}" = 1 ] || [ "$rc" != 0 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port VAR: sets VAR to a loopback port nothing listens on now, not handed out before.
taken=" "
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    case "$taken" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then taken="$taken$p "; printf -v "$1" '%s' "$p"; return; fi
  done
  die "no free port found"
}

# wait_for SECONDS DESCRIPTION COMMAND...: runs COMMAND every second until it succeeds.
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "gave up after ${secs}s waiting for $what"
    [ -z "$DEMO_PID" ] || kill -0 "$DEMO_PID" 2>/dev/null || die "the demo app exited"
    [ -z "$PROM_PID" ] || kill -0 "$PROM_PID" 2>/dev/null || die "prometheus exited"
    sleep 1
  done
}

# ---- static checks -----------------------------------------------------------------------------
log "promtool check rules docs/prometheus/bufferevent-alerts.yml"
promtool check rules "$RULES" | sed 's/^/    /' || die "promtool check rules failed"
jq -e '.__inputs[] | select(.name == "DS_PROMETHEUS" and .pluginId == "prometheus")' "$DASHBOARD" >/dev/null \
  || die "the dashboard has no DS_PROMETHEUS datasource input"
jq -e '.templating.list[] | select(.name == "client")' "$DASHBOARD" >/dev/null || die "the dashboard has no client variable"
bad_ds=$(jq -r '[.. | objects | select(has("datasource") and (.datasource | type) == "object" and .datasource.type == "prometheus")
                | select(.datasource.uid != "${DS_PROMETHEUS}")] | length' "$DASHBOARD")
[ "$bad_ds" = 0 ] || die "$bad_ds panel/target datasources do not use \${DS_PROMETHEUS}"

# ---- build and start the demo ------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building the demo: mvn -B -q -ntp -pl demo-app -am package -DskipTests"
  (cd "$ROOT" && timeout 1200 mvn -B -q -ntp -pl demo-app -am package -DskipTests) || die "the build failed"
fi
JAR=$(ls "$ROOT"/demo-app/target/bufferevent-demo-app-*.jar 2>/dev/null | grep -v -e '-sources' -e '-javadoc' | head -1 || true)
[ -n "$JAR" ] || die "no demo-app jar in demo-app/target (run without SKIP_BUILD=1)"

free_port DEMO_PORT
free_port DOWN_PORT   # the down client's target: stays unbound
free_port PROM_PORT
DEMO="http://127.0.0.1:$DEMO_PORT"
PROM="http://127.0.0.1:$PROM_PORT"
H=management.metrics.distribution
log "starting the demo on $DEMO ($(basename "$JAR"))"
java -jar "$JAR" --server.port="$DEMO_PORT" \
  --bufferevent.clients.down.host=127.0.0.1 --bufferevent.clients.down.port="$DOWN_PORT" \
  --bufferevent.clients.down.framing.type=line --bufferevent.clients.down.pending-while-disconnected=reject \
  --bufferevent.clients.down.reconnect.initial-backoff=200ms --bufferevent.clients.down.reconnect.max-backoff=1s \
  --bufferevent.clients.tls.host=127.0.0.1 --bufferevent.clients.tls.port="$DEMO_PORT" \
  --bufferevent.clients.tls.framing.type=line --bufferevent.clients.tls.ssl.enabled=true \
  --bufferevent.clients.tls.pending-while-disconnected=reject \
  --bufferevent.clients.tls.reconnect.initial-backoff=200ms --bufferevent.clients.tls.reconnect.max-backoff=1s \
  --bufferevent.clients.frames.rate-limit.write-rate=32KB --bufferevent.clients.frames.rate-limit.tick=100ms \
  --$H.percentiles-histogram.bufferevent.exchanges=true \
  --$H.percentiles-histogram.bufferevent.eventbase.turn.duration=true \
  --$H.percentiles-histogram.bufferevent.tls.handshakes=true \
  --$H.minimum-expected-value.bufferevent=10us --$H.maximum-expected-value.bufferevent=10s \
  >"$WORK/demo.log" 2>&1 &
DEMO_PID=$!
wait_for 180 "the demo's /actuator/prometheus" curl -sf "$DEMO/actuator/prometheus"
wait_for 60 "the demo's echo and frames clients to connect" \
  sh -c "curl -sf '$DEMO/api/clients' | jq -e '[.[] | select(.name == \"echo\" or .name == \"frames\") | select(.connected)] | length == 2'"

# ---- prometheus --------------------------------------------------------------------------------
cp "$RULES" "$WORK/bufferevent-alerts.yml"
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - bufferevent-alerts.yml
scrape_configs:
  - job_name: bufferevent-demo
    metrics_path: /actuator/prometheus
    static_configs:
      - targets: ["127.0.0.1:$DEMO_PORT"]
EOF
promtool check config "$WORK/prometheus.yml" >/dev/null || die "promtool check config failed"
log "starting prometheus on $PROM (storage $WORK/tsdb)"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
wait_for 60 "prometheus to be ready" curl -sf "$PROM/-/ready"

# query EXPR -> prints "<status> <series count>"
query() {
  curl -sf -G --max-time 30 --data-urlencode "query=$1" "$PROM/api/v1/query" \
    | jq -r '"\(.status) \(.data.result | length)"' 2>/dev/null || echo "error 0"
}
scalar() { curl -sf -G --max-time 30 --data-urlencode "query=$1" "$PROM/api/v1/query" | jq -r '.data.result[0].value[1] // "0"'; }

wait_for 60 "the first scrape" sh -c "curl -sf -G --data-urlencode 'query=up{job=\"bufferevent-demo\"} == 1' '$PROM/api/v1/query' | jq -e '.data.result | length == 1'"

# ---- load --------------------------------------------------------------------------------------
log "load: 10000000 exchanges at concurrency 16 on echo and on frames; 5 exchanges on the down client"
LOADS=()
for c in echo frames; do
  id=$(curl -sf -X POST "$DEMO/api/clients/$c/load?messages=10000000&concurrency=16" | jq -r .id) \
    || die "could not start a load run on $c"
  LOADS+=("/api/loads/$id")
done
for _ in 1 2 3 4 5; do curl -s -o /dev/null -X POST -d hello "$DEMO/api/clients/down/exchange" || true; done

# 30 samples of the echo client's byte counter, taken while it moves: rates over 30s have data.
wait_for 180 "30 scraped samples of a moving byte counter" \
  sh -c "[ \"\$(curl -sf -G --data-urlencode 'query=count_over_time(bufferevent_bytes_total{client=\"echo\",direction=\"read\"}[1m]) >= 30 and rate(bufferevent_bytes_total{client=\"echo\",direction=\"read\"}[30s]) > 0' '$PROM/api/v1/query' | jq '.data.result | length')\" = 1 ]"
wait_for 60 "every rule to be evaluated" \
  sh -c "curl -sf '$PROM/api/v1/rules' | jq -e '[.data.groups[].rules[] | select(.health != \"ok\")] | length == 0'"

# ---- evaluate ----------------------------------------------------------------------------------
FAILED=()
CHECKED=0
SUMMARY="$WORK/summary.txt"
: >"$SUMMARY"
check() {  # check KIND NAME EXPR
  local kind=$1 name=$2 expr=$3 res status n
  res=$(query "$expr"); status=${res% *}; n=${res#* }
  CHECKED=$((CHECKED + 1))
  if [ "$status" = success ] && [ "$n" -gt 0 ]; then
    printf '  ok   %-8s %3s series  %s\n' "$kind" "$n" "$name" >>"$SUMMARY"
  else
    printf '  FAIL %-8s %3s series  %s\n         query: %s\n' "$kind" "$n" "$name" "$expr" >>"$SUMMARY"
    FAILED+=("$kind '$name': $expr")
  fi
}

subst() { sed -e "s/\\\$__rate_interval/$RATE_INTERVAL/g" -e "s/\\\$__range/$RANGE/g" \
              -e "s/\\\$client/$ALL/g" -e "s/\\\$instance/$ALL/g"; }

log "evaluating the dashboard's template variables, panel targets and the alerts' queries"
# Template variables: label_values(METRIC, LABEL) -> count by (LABEL) (METRIC)
while IFS=$'\t' read -r name q; do
  expr=$(printf '%s' "$q" | subst | sed -E 's/^label_values\((.*), *([a-zA-Z_][a-zA-Z0-9_]*)\)$/count by (\2) (\1)/')
  check variable "\$$name" "$expr"
done < <(jq -r '.templating.list[] | select(.type == "query") | [.name, (.query.query // .query)] | @tsv' "$DASHBOARD")

# Panel targets; a final "or vector(0)" (a 0 instead of "No data") is left off, so the query
# proper must find series.
while IFS=$'\t' read -r title ref expr; do
  expr=$(printf '%s' "$expr" | subst | sed -E 's/[[:space:]]+or[[:space:]]+vector\(0\)[[:space:]]*$//')
  case "$expr" in *'$'*) FAILED+=("panel '$title' $ref: an unknown variable is left: $expr"); continue ;; esac
  check panel "$title [$ref]" "$expr"
done < <(jq -r '.. | objects | select(.type? != "row" and has("targets")) | .title as $t | .targets[] | [$t, .refId, .expr] | @tsv' "$DASHBOARD")

# Alerts: Prometheus' own parse of each rule (/api/v1/rules); the query part is the expression
# without its final "<comparison> <number>".
rules_json=$(curl -sf "$PROM/api/v1/rules") || die "cannot read /api/v1/rules"
n_rules=$(printf '%s' "$rules_json" | jq '[.data.groups[].rules[]] | length')
n_file=$(grep -c '^ *- alert:' "$RULES")
[ "$n_rules" = "$n_file" ] || FAILED+=("prometheus loaded $n_rules rules, the file has $n_file")
while IFS=$'\t' read -r name state q; do
  inner=$(printf '%s' "$q" | sed -E 's/[[:space:]]*(==|!=|>=|<=|>|<)[[:space:]]*(bool[[:space:]]+)?[-+]?[0-9.]+([eE][-+]?[0-9]+)?[[:space:]]*$//')
  [ "$inner" != "$q" ] || FAILED+=("alert '$name' does not end in a comparison with a number: $q")
  check alert "$name (now: $state)" "$inner"
done < <(printf '%s' "$rules_json" | jq -r '.data.groups[].rules[] | select(.type == "alerting") | [.name, .state, .query] | @tsv')

# ---- screenshot --------------------------------------------------------------------------------
if [ -n "${SCREENSHOT:-}" ]; then
  browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
  if [ -z "$browser" ]; then
    log "no chromium: no screenshot (apt-get install chromium)"
  else
    g='sum by (client, direction) (rate(bufferevent_bytes_total[10s]))'
    enc=$(jq -rn --arg q "$g" '$q | @uri')
    url="$PROM/graph?g0.expr=$enc&g0.tab=0&g0.stacked=0&g0.show_exemplars=0&g0.range_input=1m"
    out=$(cd "$(dirname "$SCREENSHOT")" && pwd)/$(basename "$SCREENSHOT")
    log "screenshot of $url -> $SCREENSHOT"
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$WORK/chromium" \
      --window-size=1400,900 --virtual-time-budget=15000 --screenshot="$out" "$url" >"$WORK/chromium.log" 2>&1 \
      || log "chromium failed (see $WORK/chromium.log); no screenshot"
  fi
fi

# ---- stop the load, report ---------------------------------------------------------------------
for loc in "${LOADS[@]}"; do
  curl -sf -X DELETE "$DEMO$loc" | jq -r '"  load run \(.id) on \(.client): \(.replied) replies, \(.repliesPerSecond)/s"' || true
done
firing=$(curl -sf "$PROM/api/v1/alerts" | jq -r '[.data.alerts[] | "\(.labels.alertname)\(if .labels.client then "{client=\(.labels.client)}" else "" end)=\(.state)"] | sort | join(", ")')
exchanges=$(scalar 'sum(bufferevent_exchanges_seconds_count{outcome="success"})')
bytes=$(scalar 'sum(bufferevent_bytes_total)')

echo
echo "== prove-dashboards summary =="
echo "prometheus: $(prometheus --version 2>&1 | head -1)"
echo "promtool check rules: SUCCESS ($n_file rules)"
echo "demo: $(basename "$JAR"); scraped every 1s; successful exchanges: ${exchanges%.*}; bytes moved: ${bytes%.*}"
echo "queries evaluated: $CHECKED (\$__rate_interval=$RATE_INTERVAL, \$__range=$RANGE, \$client=\$instance=\"$ALL\")"
cat "$SUMMARY"
echo "alerts pending/firing now: ${firing:-none}"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "FAILED (${#FAILED[@]}):"
  printf '  %s\n' "${FAILED[@]}"
  exit 1
fi
echo "PASS: every panel target, template variable and alert query returned series"
