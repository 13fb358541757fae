#!/usr/bin/env bash
# Paired comparison of ssoimport builds on one input: each round runs every binary once, one after the other,
# and the verdict is the median over rounds of each binary's time divided by the first binary's time in the same
# round. A machine whose speed drifts from minute to minute (shared hosts do) moves both runs of a round alike,
# so the ratio is steadier than either time.
#   usage: benches/ab.sh [--source SOURCE] [--rounds N] INPUT BIN_A BIN_B [BIN ...]
#   e.g.   cp target/release/ssoimport /tmp/before   # then change, rebuild, and:
#          benches/ab.sh --rounds 20 /var/tmp/ssoimport-bench/okta_200000.ndjson /tmp/before target/release/ssoimport
# Prints, per binary: median and fastest wall time, median CPU time (user + system), and the median per-round
# ratios to BIN_A (below 1: faster than BIN_A). Outputs go to a temporary directory, removed afterwards.
set -euo pipefail
source=okta rounds=10
while [[ $# -gt 0 ]]; do
  case $1 in
    --source) source=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[[ $# -ge 3 ]] || { sed -n '6,7p' "$0" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "--rounds takes a whole number above 0, not '$rounds'" >&2; exit 2; }
input=$1; shift
[[ -r $input ]] || { echo "cannot read $input" >&2; exit 2; }
for bin in "$@"; do [[ -x $bin ]] || { echo "not executable: $bin" >&2; exit 2; }; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One line per run: round, binary's position, wall seconds, CPU seconds. Odd rounds run the binaries in reverse
# order, so that neither gains from always running first (or right after the other).
for ((round = 0; round < rounds; round++)); do
  order=$(seq 1 $#)
  ((round % 2 == 0)) || order=$(seq $# -1 1)
  for k in $order; do
    rm -rf "$work/out"
    /usr/bin/time -o "$work/time" -f "%e %U %S" "${!k}" convert --source "$source" --out "$work/out" "$input" \
      >/dev/null 2>"$work/stderr" || { echo "${!k} failed:" >&2; cat "$work/stderr" >&2; exit 1; }
    read -r wall user sys <"$work/time"
    echo "$round $k $wall $(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')"
  done
done >"$work/runs"
python3 - "$work/runs" "$@" <<'PY'
import statistics, sys
runs, bins = sys.argv[1], sys.argv[2:]
times = {}
for line in open(runs):
    round_, k, wall, cpu = line.split()
    times.setdefault(int(k), {})[int(round_)] = (float(wall), float(cpu))
base = times[1]
print(f"{len(base)} rounds; ratios are medians of per-round ratios to {bins[0]}")
for k, name in enumerate(bins, 1):
    t = times[k]
    walls = [w for w, _ in t.values()]
    cpus = [c for _, c in t.values()]
    wall_ratio = statistics.median(t[r][0] / base[r][0] for r in t)
    cpu_ratio = statistics.median(t[r][1] / base[r][1] for r in t)
    print(f"{name}: wall median {statistics.median(walls):.3f} s (fastest {min(walls):.3f}), "
          f"CPU median {statistics.median(cpus):.2f} s; ratio wall {wall_ratio:.3f}, CPU {cpu_ratio:.3f}")
PY
