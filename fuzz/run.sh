#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS (default 60), one after the other, seeding each corpus from
# fixtures/ first. Exits non-zero if any target found a crash (its input is in artifacts/<target>/).
#
#   fuzz/run.sh            # 60 s per target
#   fuzz/run.sh 600        # 10 min per target
#   TARGETS="decode_csv framing" fuzz/run.sh 30
#   FUZZ_TARGET_DIR=/var/tmp/fuzz-target fuzz/run.sh 15    # build outside the clone (what .ci/run does)
#
# cargo-fuzz needs nightly-only rustc flags: with the stable toolchain they are enabled by RUSTC_BOOTSTRAP=1 (set
# here); FUZZ_TOOLCHAIN=+nightly uses a nightly toolchain instead. SANITIZER defaults to none (the project's code
# forbids `unsafe`, and none runs several times faster than address); set SANITIZER=address to use ASan.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-60}"
sanitizer="${SANITIZER:-none}"
toolchain="${FUZZ_TOOLCHAIN:-}"
all_targets="decode_csv decode_okta decode_entra decode_google sniff framing compressed timestamp upload deflate aggregate"
targets="${TARGETS:-$all_targets}"

if [ -z "$toolchain" ]; then
    export RUSTC_BOOTSTRAP=1
fi
if ! cargo $toolchain fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# cargo fuzz flags: no sanitizer by default, debug assertions (and so overflow checks) on. FUZZ_TARGET_DIR puts
# the build outside the clone (CI reuses it between runs).
flags=(-s "$sanitizer" -a)
if [ -n "${FUZZ_TARGET_DIR:-}" ]; then
    flags+=(--target-dir "$FUZZ_TARGET_DIR")
fi

echo "== building the fuzz targets"
cargo $toolchain fuzz build "${flags[@]}"

# Seeds: the fixtures, with the control bytes each target reads first. Inputs over 64 KB are left out.
seed() { # seed TARGET PREFIX FILE...
    local target="$1" prefix="$2"
    shift 2
    mkdir -p "corpus/$target"
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        [ "$(stat -c %s "$f")" -le 65536 ] || continue
        { printf "$prefix"; cat "$f"; } >"corpus/$target/seed-$(echo "$f" | tr '/' '_')"
    done
}
fixtures=../fixtures
mapfile -t csv_files < <(find "$fixtures/csv" "$fixtures/entra" -type f -name '*.csv' | sort)
mapfile -t okta_files < <(find "$fixtures/okta" -type f | sort)
mapfile -t entra_files < <(find "$fixtures/entra" -type f | sort)
mapfile -t google_files < <(find "$fixtures/google" -type f | sort)
mapfile -t every_file < <(find "$fixtures" -type f ! -name '*.md' | sort)
# decode_*: control byte (big chunks, 1 MiB records), then a 2-byte split point.
seed decode_csv '\003\100\000' "${csv_files[@]}"
seed decode_okta '\003\100\000' "${okta_files[@]}"
seed decode_entra '\003\100\000' "${entra_files[@]}"
seed decode_google '\003\100\000' "${google_files[@]}"
seed sniff '' "${every_file[@]}"
# framing: framer kind (0 lines, 1 CSV, 2 JSON), then chunk options.
seed framing '\002\100' "${okta_files[@]}" "${google_files[@]}"
seed framing '\001\100' "${csv_files[@]}"
# compressed: mode (0 gzip, 1 zstd, 2 two gzip members), cut, flip.
seed compressed '\000\200\000' "$fixtures/okta/eventbridge-envelopes.ndjson" "$fixtures/csv/signins-hazards.csv"
seed compressed '\001\200\000' "$fixtures/google/token-activities.ndjson"
# upload: mode (0 as is, 1 gzipped here, 2 declared gzip) and task, then the file.
mapfile -t ndjson_files < <(find "$fixtures" -type f -name '*.ndjson' | sort)
seed upload '\000' "${ndjson_files[@]}"
seed upload '\004' "${ndjson_files[@]}"
# deflate: level and cut, then NDJSON.
seed deflate '\006' "${ndjson_files[@]}"
# aggregate: records (kind, time and take in the first byte, then texts split at 0x1f) split at 0x1e.
mkdir -p corpus/aggregate
printf '\000app1\037ann@x.io\03700u1\037Ann\037Lee\037App\036\002app1\037\03700u2\036\011app2\037ann@x.io\036\003\037bo@x.io\03700u2\037Bo\036\004app1\037\037\037\037\037App One\036\200app2\037cy@x.io' \
    >corpus/aggregate/seed-rows
mkdir -p corpus/timestamp
i=0
for t in '2024-03-05T15:56:53.889Z' '2025-03-01T09:00:00.1234567Z' '3/5/2024 3:56:53 PM' '3/5/24, 15:56' \
    '1583423813889' '1583423813.5' 'Tue, 05 Mar 2024 15:56:53 GMT' '2024-03-05 15:56:53 +0530' '2024/03/05' \
    '0001-01-01T00:00:00Z' 'ann@example.com'; do
    printf '%s' "$t" >"corpus/timestamp/seed-$i"
    i=$((i + 1))
done

failed=()
for target in $targets; do
    echo "== fuzzing $target for ${seconds}s"
    mkdir -p "artifacts/$target"
    if ! cargo $toolchain fuzz run "${flags[@]}" "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=16384 -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1 2>"artifacts/$target.log"; then
        failed+=("$target")
        tail -n 40 "artifacts/$target.log"
    fi
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+ +DONE' "artifacts/$target.log" || true
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "crashes in: ${failed[*]} (inputs under fuzz/artifacts/)"
    exit 1
fi
echo "all targets ran ${seconds}s without a crash"
