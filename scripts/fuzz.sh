#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ (cmake --preset fuzz: clang,
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs each one in turn for
# a bounded time, starting from its committed seeds (tests/fuzz/corpus/).
#
#   scripts/fuzz.sh [--seconds N] [--seed S] [TARGET...]  (npm run fuzz -- --seconds N)
#
# --seed S fixes libFuzzer's random seed, so that a short run in CI explores
# the same inputs each time (a CI run that fails is then reproducible);
# without it every run explores new ones.
# N is per target (default 60). TARGETs: model_load classify_image
# classify_pixels read_number (default: all). New interesting inputs are kept
# in build-fuzz/corpus/<target>/ (reused by the next run, never committed).
# Any crash, sanitizer report, leak, timeout (> 20 s for one input) or
# out-of-memory (> 2.5 GB) stops that target, saves the input as
# build-fuzz/crashes/<target>/<kind>-<sha1>, and makes the script exit 1;
# to keep it as a regression test, copy it into tests/fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
seed_args=()
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --seed) [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "fuzz: --seed needs a number" >&2; exit 1; }
            seed_args=(-seed="$2"); shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz: unknown option '$1'" >&2; exit 1 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] && ((seconds > 0)) || { echo "fuzz: --seconds must be a positive integer" >&2; exit 1; }
((${#targets[@]})) || targets=(model_load classify_image classify_pixels read_number)

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (bash scripts/setup.sh)" >&2; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset fuzz >/dev/null
mkdir -p build-fuzz/logs
if ! cmake --build build-fuzz -j"$jobs" --target "${targets[@]/#/fuzz_}" >build-fuzz/logs/build.log 2>&1; then
  cat build-fuzz/logs/build.log >&2
  echo "fuzz: build failed" >&2
  exit 1
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=0
for t in "${targets[@]}"; do
  bin="build-fuzz/bin/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: no target '$t' ($bin)" >&2; exit 1; }
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/crashes/$t"
  log="build-fuzz/logs/$t.log"
  dict=tests/fuzz/image.dict
  [ "$t" = model_load ] && dict=tests/fuzz/model.dict
  # The first corpus directory receives new inputs; the committed seeds are read only.
  if "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 \
       "${seed_args[@]}" -dict="$dict" -artifact_prefix="build-fuzz/crashes/$t/" \
       "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)
    corpus=$(ls "build-fuzz/corpus/$t" | wc -l)
    echo "fuzz: $t: ok, ${runs:-?} inputs in ${seconds}s (${speed:-?}/s), ${cov:-cov: ?}, corpus $corpus"
  else
    failed=1
    echo "fuzz: $t: FAILED (full log: $log)" >&2
    grep -E -A40 '^==[0-9]+==ERROR|runtime error|FUZZ_CHECK|ERROR: libFuzzer' "$log" | head -60 >&2 || tail -40 "$log" >&2
    ls -1 "build-fuzz/crashes/$t/" | sed "s|^|fuzz:   reproducer: build-fuzz/crashes/$t/|" >&2
    echo "fuzz:   replay: $bin build-fuzz/crashes/$t/<file>" >&2
  fi
done
exit $failed
