#!/usr/bin/env bash
# Fuzzes a fresh local server with schemathesis against the official RealWorld OpenAPI description:
# every operation, every phase (examples, coverage, fuzzing, stateful), once anonymously and once as a
# registered user. Any 5xx fails the run. Prints one summary line, "fuzz: …".
#   FUZZ_SECONDS  time budget of each of the two runs (default 90)
#   FUZZ_SEED     seed of both runs (default: a new one, printed, so a failing run can be replayed)
#   FUZZ_SPEC     the OpenAPI file (default ../shared/realworld/v2/openapi.yml)
set -uo pipefail
cd "$(dirname "$0")/.."

spec="$(realpath -e "${FUZZ_SPEC:-../shared/realworld/v2/openapi.yml}")" || exit 1
SECONDS_PER_RUN="${FUZZ_SECONDS:-90}"
SEED="${FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))}"
SCHEMATHESIS_VERSION=4.32.5
VENV=.local/fuzz-venv

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" || { echo "fuzz: cannot install schemathesis"; exit 1; }
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# PORT=0: the server takes a free port and names it in its ready line.
PORT=0 DATA_DIR="$work/data" node --import tsx local/main.ts >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
  grep -q "ready on" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.5
done
base="$(sed -n 's/^Conduit API ready on \(http[^ ]*\) in .*/\1/p' "$work/server.log")"
if [ -z "$base" ]; then
  cat "$work/server.log"
  echo "fuzz: the server did not start"
  exit 1
fi

name="fuzz$(date +%s%N)"
token="$(curl -fsS -X POST "$base/users" -H 'Content-Type: application/json' \
  -d "{\"user\":{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"password123\"}}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["user"]["token"])')"
if [ -z "$token" ]; then
  echo "fuzz: could not register a user"
  exit 1
fi

fuzz() { # label, extra schemathesis arguments...
  local label="$1"; shift
  echo "::: fuzz $label (seed $SEED, ${SECONDS_PER_RUN} s)"
  # --max-time ends the run, the outer timeout only a schemathesis that hangs. It runs in .local,
  # where it keeps its caches (the failures it found are tried again first on the next run). One
  # worker: with two threads, Python 3.11's ast.parse fails now and then (CPython gh-106905).
  (cd .local && timeout -k 5 "$((SECONDS_PER_RUN + 30))" "../$VENV/bin/schemathesis" run "$spec" \
    --url "$base" --phases examples,coverage,fuzzing,stateful --checks not_a_server_error \
    --max-time "$SECONDS_PER_RUN" --request-timeout 30 --seed "$SEED" --workers 1 --no-color "$@" \
    >"$work/$label.log" 2>&1)
  local status=$?
  # Its closing line looks like pytest's ("=== 2 warnings in 80.03s ==="); CI's own closing line
  # must be the only one of that kind, so it is left out.
  if [ "$status" -eq 0 ]; then
    grep -A1 '^Test cases:' "$work/$label.log" | tail -n 1
  else
    tail -n 60 "$work/$label.log" | grep -vE '^=+ .* in [0-9.]+s =+$'
  fi
  return "$status"
}
fuzz anonymous; anonymous_status=$?
fuzz user -H "Authorization: Token $token"; user_status=$?

# The server's request log has one line per request: "<METHOD> <url> <status> <ms>ms …".
requests="$(grep -cE '^[A-Z]+ /[^ ]* [0-9]{3} [0-9]+ms' "$work/server.log")"
server_errors="$(grep -E '^[A-Z]+ /[^ ]* 5[0-9]{2} [0-9]+ms' "$work/server.log")"
errors="$(printf '%s' "$server_errors" | grep -c .)"
if [ "$errors" -gt 0 ]; then
  echo "server errors (first 20):"
  printf '%s\n' "$server_errors" | head -n 20
  grep -E 'error|Error' "$work/server.log" | grep -vE '^[A-Z]+ /' | head -n 20
fi
echo "fuzz: $requests requests, $errors server errors (5xx), schemathesis exit $anonymous_status anonymous / $user_status as a user, seed $SEED"
[ "$errors" -eq 0 ] && [ "$anonymous_status" -eq 0 ] && [ "$user_status" -eq 0 ]
