#!/usr/bin/env bash
# tests/run-all.sh [unit|integration|all] - every test of the project.
#
#   unit         each cmocka binary under $BUILD/tests/*/, one after the other;
#                a failing binary does not stop the others.
#   integration  each integration/test_*.sh, two at a time, each with its own
#                node (temp dirs, free ports) and its own log folder under
#                $BUILD/test-logs/<suite>/.
#
# Closing line: "N passed, M failed" (test cases: cmocka's counts, and the
# suites' own "<suite>: N passed, M failed" lines). Exit status 1 if anything
# failed. BUILD (build or build-san) selects the binaries; with a sanitizer
# build ASan/UBSan abort on the first error and a report in a service log
# fails the suite.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
MODE=${1:-all}
case $MODE in unit | integration | all) ;; *)
  echo "usage: $0 [unit|integration|all]" >&2
  exit 2
  ;;
esac
export BUILD=${BUILD:-build}
case $BUILD in /*) BUILD_DIR=$BUILD ;; *) BUILD_DIR=$ROOT/$BUILD ;; esac
LOGS=$BUILD_DIR/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"

if [[ $BUILD == *san* ]]; then
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

export CMOCKA_MESSAGE_OUTPUT=STDOUT # the counts below are read from its standard format
PASSED=0
FAILED=0
FAILURES=()
T_START=$(date +%s)

# ---- unit tests ------------------------------------------------------------
run_unit() {
  local bins=() bin name log rc p f
  mapfile -t bins < <(find "$BUILD_DIR/tests" -mindepth 2 -maxdepth 2 -type f -perm -u+x -name 'test_*' 2>/dev/null | sort)
  echo "== unit tests ($BUILD, ${#bins[@]} binaries)"
  if [ ${#bins[@]} -eq 0 ]; then
    echo "   no unit test binaries under $BUILD_DIR/tests (run make)"
    FAILED=$((FAILED + 1))
    FAILURES+=("unit: no test binaries")
    return
  fi
  mkdir -p "$LOGS/unit"
  for bin in "${bins[@]}"; do
    name=${bin#"$BUILD_DIR/tests/"}
    log=$LOGS/unit/${name//\//_}.log
    # cmocka runs from the repository root (tests may read fixtures)
    timeout 300 "$bin" >"$log" 2>&1
    rc=$?
    p=$(awk '/^\[  PASSED  \] [0-9]+ test\(s\)\./ { n += $4 } END { print n + 0 }' "$log")
    f=$(awk '/^\[  FAILED  \] [0-9]+ test\(s\)/ { n += $4 } END { print n + 0 }' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
      f=1 # crashed, aborted (sanitizer) or timed out outside any counted test
    fi
    if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
      f=1 # ran no test: not a pass
    fi
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    if [ "$f" -eq 0 ]; then
      printf '   ok    %-40s %3d passed\n' "$name" "$p"
    else
      printf '   FAIL  %-40s %3d passed, %d failed (exit %d)\n' "$name" "$p" "$f" "$rc"
      FAILURES+=("unit: $name")
      sed 's/^/         | /' "$log" | tail -n 40
    fi
  done
}

# ---- integration suites -------------------------------------------------------
run_suite() { # SUITE_FILE: run one suite with its own log folder
  local file=$1 name
  name=$(basename "$file" .sh)
  name=${name#test_}
  mkdir -p "$LOGS/$name"
  CABINET_TEST_LOG_DIR=$LOGS/$name timeout 900 bash "$file" >"$LOGS/$name.log" 2>&1
  echo $? >"$LOGS/$name.rc"
}
export -f run_suite
export LOGS

run_integration() {
  local suites=() file name rc line p f t0
  mapfile -t suites < <(ls "$ROOT"/integration/test_*.sh 2>/dev/null | sort)
  echo "== integration suites ($BUILD, ${#suites[@]} suites, 2 at a time)"
  if [ ${#suites[@]} -eq 0 ]; then
    FAILED=$((FAILED + 1))
    FAILURES+=("integration: no suites")
    return
  fi
  t0=$(date +%s)
  printf '%s\0' "${suites[@]}" | xargs -0 -n 1 -P 2 bash -c 'run_suite "$1"' _
  for file in "${suites[@]}"; do
    name=$(basename "$file" .sh)
    name=${name#test_}
    rc=$(cat "$LOGS/$name.rc" 2>/dev/null || echo 1)
    line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$LOGS/$name.log" | tail -n 1)
    if [ -n "$line" ]; then
      p=$(echo "$line" | awk '{ print $2 }')
      f=$(echo "$line" | awk '{ print $4 }')
    else
      p=0
      f=0
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    if [ "$f" -eq 0 ]; then
      printf '   ok    %-40s %3d passed\n' "$name" "$p"
    else
      printf '   FAIL  %-40s %3d passed, %d failed (exit %s)\n' "$name" "$p" "$f" "$rc"
      FAILURES+=("integration: $name")
      echo "   ---- $LOGS/$name.log (failed checks and last lines)"
      grep -A 4 -E '^  FAIL  ' "$LOGS/$name.log" | head -n 80 | sed 's/^/   | /'
      tail -n 30 "$LOGS/$name.log" | sed 's/^/   | /'
      local svc
      for svc in "$LOGS/$name"/*.log; do
        [ -f "$svc" ] || continue
        echo "   ---- $svc (last lines)"
        tail -n 15 "$svc" | cut -c 1-400 | sed 's/^/   | /'
      done
    fi
  done
  echo "   integration took $(($(date +%s) - t0)) s"
}

case $MODE in
unit) run_unit ;;
integration) run_integration ;;
all)
  run_unit
  run_integration
  ;;
esac

echo
if [ ${#FAILURES[@]} -gt 0 ]; then
  echo "failed:"
  printf '  %s\n' "${FAILURES[@]}"
fi
echo "logs: $LOGS   time: $(($(date +%s) - T_START)) s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
