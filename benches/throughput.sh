#!/usr/bin/env bash
# End-to-end throughput of `ssoimport convert` on generated exports, against DuckDB doing the same job.
#
#   usage: benches/throughput.sh [--all] [--no-peer] [EVENTS] [RUNS]      (defaults: 200000 events, 3 runs)
#          benches/throughput.sh [--no-peer] --input=FILE [RUNS]
#
#   --all         also Entra, Google and CSV exports (default: Okta only)
#   --no-peer     do not run (or install) the DuckDB peer
#   --input=FILE  time an Okta NDJSON export you have (e.g. from benches/repeat_fixture.py) instead of a
#                 generated one; its lines are the events counted
#
# What it does, per source:
#   1. builds the release binary (`cargo build --release -p ssoimport-cli`, a no-op when it is up to date),
#      unless SSOIMPORT_BIN names one;
#   2. generates the export once with `ssoimport gen SOURCE --events EVENTS --seed 42` into $BENCH_DIR
#      (default /var/tmp/ssoimport-bench) and reuses it on later runs;
#   3. times `ssoimport convert --source SOURCE` and, when DuckDB is available (`duckdb` on PATH, or the PyPI
#      package duckdb-cli, installed by benches/peer-duckdb.sh if missing), benches/peer-duckdb.sh on the same
#      file, alternating, RUNS times each; peak RSS comes from /usr/bin/time -v when it is there;
#   4. prints the medians: seconds, input MB/s, records/s, peak RSS, and the ratio (DuckDB time / ssoimport
#      time: above 1 means ssoimport is faster).
# The page cache is warmed (the file is read once) before timing. Other work on the machine skews the figures:
# run it on a quiet machine and say so next to the numbers.
set -euo pipefail

all=0 peer=1 input= args=()
for a in "$@"; do
  case $a in
  --all) all=1 ;;
  --input=*) input=${a#--input=} ;;
  --no-peer) peer=0 ;;
  -h | --help)
    sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  -*)
    echo "unknown option $a (see --help)" >&2
    exit 2
    ;;
  *) args+=("$a") ;;
  esac
done
n=${args[0]:-200000} runs=${args[1]:-3}
if [[ -n $input ]]; then
  [[ -s $input ]] || {
    echo "no export at $input" >&2
    exit 2
  }
  ((all)) && {
    echo "--input times one Okta export: leave out --all" >&2
    exit 2
  }
  n=$(wc -l <"$input") runs=${args[0]:-3}
fi
root=$(cd "$(dirname "$0")/.." && pwd)
here=$root/benches
dir=${BENCH_DIR:-/var/tmp/ssoimport-bench}
mkdir -p "$dir"

if [[ -n ${SSOIMPORT_BIN:-} ]]; then
  bin=$SSOIMPORT_BIN
else
  echo "building the release binary (cargo build --release -p ssoimport-cli) ..." >&2
  (cd "$root" && cargo build --release --quiet -p ssoimport-cli)
  bin=${CARGO_TARGET_DIR:-$root/target}/release/ssoimport
fi
[[ -x $bin ]] || {
  echo "no ssoimport binary at $bin (set SSOIMPORT_BIN)" >&2
  exit 2
}

sources=(okta)
((all)) && sources=(okta entra google csv)

# DuckDB: on PATH, or the PyPI CLI (peer-duckdb.sh installs it if missing; a failed install skips the peer).
if ((peer)) && ! command -v duckdb >/dev/null && ! python3 -c 'import duckdb_cli' 2>/dev/null; then
  echo "installing the DuckDB CLI for the peer (python3 -m pip install duckdb-cli) ..." >&2
  python3 -m pip install -q duckdb-cli >&2 2>/dev/null || {
    echo "DuckDB is not available: timing ssoimport alone" >&2
    peer=0
  }
fi

timer=()
[[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v -o "$dir/time.log")

# Runs a command quietly; sets `secs` and `rss` (peak RSS in KB, "-" without /usr/bin/time).
clock() {
  local t0 t1
  t0=$(date +%s.%N)
  "${timer[@]}" "$@" >/dev/null 2>"$dir/stderr.log" || {
    echo "failed: $*" >&2
    cat "$dir/stderr.log" >&2
    exit 1
  }
  t1=$(date +%s.%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  rss=-
  if ((${#timer[@]})); then
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.log")
  fi
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
div() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN {if (b > 0) printf f, a / b; else printf "-"}'; }
mib() { [[ $1 == - ]] && echo - || awk -v k="$1" 'BEGIN {printf "%.0f", k / 1024}'; }

rows=()
for src in "${sources[@]}"; do
  ext=ndjson
  [[ $src == csv ]] && ext=csv
  data=${input:-$dir/${src}_${n}_s42.$ext}
  if [[ ! -s $data ]]; then
    echo "generating $data ..." >&2
    "$bin" gen "$src" --events "$n" --seed 42 --out "$data.tmp" >&2
    mv "$data.tmp" "$data"
  fi
  cat "$data" >/dev/null
  mb=$(awk -v b="$(stat -c %s "$data")" 'BEGIN {printf "%.1f", b / 1e6}')
  ours=() ours_rss=() duck=() duck_rss=()
  for ((i = 0; i < runs; i++)); do
    rm -rf "$dir/out-ours" "$dir/out-duck"
    clock "$bin" convert --source "$src" --quiet --out "$dir/out-ours" "$data"
    ours+=("$secs") ours_rss+=("$rss")
    if ((peer)); then
      clock "$here/peer-duckdb.sh" --source "$src" "$data" "$dir/out-duck"
      duck+=("$secs") duck_rss+=("$rss")
    fi
  done
  accepted=$(grep -o '"accepted": *[0-9]*' "$dir/out-ours/manifest.json" | grep -o '[0-9]*$')
  mo=$(median "${ours[@]}")
  line="$src $n $mb $mo $(div "$mb" "$mo" %.0f) $(div "$n" "$mo" %.0f) $(mib "$(median "${ours_rss[@]}")") $accepted"
  echo "$src: ssoimport runs ${ours[*]} s" >&2
  if ((peer)); then
    md=$(median "${duck[@]}")
    usage=$(gzip -dc "$dir/out-duck/usage.jsonl.gz" | wc -l)
    line+=" $md $(div "$mb" "$md" %.0f) $(div "$n" "$md" %.0f) $(mib "$(median "${duck_rss[@]}")") $usage $(div "$md" "$mo" %.2f)"
    echo "$src: duckdb runs ${duck[*]} s" >&2
  else
    line+=" - - - - - -"
  fi
  rows+=("$line")
done

echo
echo "$n events per source, median of $runs runs, $(nproc) cores; MB/s and records/s of input; RSS = peak"
{
  echo "source events MB ssoimport_s MB/s records/s RSS_MiB usage_rows duckdb_s MB/s records/s RSS_MiB usage_rows ratio"
  printf '%s\n' "${rows[@]}"
} | column -t
