# Helpers for tests/boot/run-all: boot_case runs one VM and applies checks.

PASSED=0 FAILED=0 SKIPPED=0
LOGDIR=build/test-logs
mkdir -p "$LOGDIR"

# The accelerator run-qemu will pick, and the hypervisor the kernel should see.
accel_note() {
    if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -w /dev/kvm ]; then ACCEL=kvm; else ACCEL=tcg; fi
    echo "boot tests: accelerator $ACCEL (KVM only with vmx/svm in /proc/cpuinfo)"
}

fail_reason=""
check_fail() { fail_reason+="    - $1"$'\n'; }

# Runs the VM until its log matches $until (then stops it: STATUS=matched),
# or until it exits or the time limit passes.
run_until() {
    local limit=$1; shift
    : >"$LOG"       # an old log must not match before the new VM writes
    "$@" </dev/null >>"$LOG" 2>&1 &
    local pid=$! waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if grep -qE -- "$until" "$LOG"; then
            pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
            STATUS=matched
            return
        fi
        sleep 0.2
        waited=$((waited + 1))
        if [ "$waited" -ge $((limit * 5)) ]; then
            pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
            STATUS=124
            return
        fi
    done
    wait "$pid"
    STATUS=$?
}

# boot_case NAME TIMEOUT RUN-QEMU-ARGS... -- CHECK [ARGS]...
# RUN-QEMU-ARGS may include --dom0-mem SIZE (Xen), --until REGEX (stop
# the VM once its log matches; the status is then "matched"), --qemu "ARGS"
# (QEMU arguments, word-split, appended after run-qemu's --),
# --stdin FILE (what COM1 reads; default /dev/null) and --via "HELPER ARGS"
# (a host-side driver, word-split, run with the run-qemu command line as
# its arguments: it starts QEMU itself, its output is the log and its exit
# status the status; e.g. tests/boot/net-echo).
boot_case() {
    local name=$1 limit=$2; shift 2
    if [ -n "$filter" ] && [[ "$name" != *"$filter"* ]]; then return; fi
    local args=() dom0_mem="" until="" qemu_args=() pre="" stdin=/dev/null via=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        if [ "$1" = --dom0-mem ]; then dom0_mem=$2; shift 2; continue; fi
        if [ "$1" = --qemu ]; then qemu_args+=($2); shift 2; continue; fi
        if [ "$1" = --pre ]; then pre=$2; shift 2; continue; fi
        if [ "$1" = --until ]; then until=$2; shift 2; continue; fi
        if [ "$1" = --stdin ]; then stdin=$2; shift 2; continue; fi
        if [ "$1" = --via ]; then via=($2); shift 2; continue; fi
        args+=("$1"); shift
    done
    shift
    LOG=$LOGDIR/$name.log XENLOG=$LOGDIR/$name.xen.log
    rm -f "$XENLOG"
    local start=$SECONDS
    [ -n "$pre" ] && bash -c "$pre"
    if [ -n "$until" ]; then
        DOM0_MEM=${dom0_mem:-64M} XEN_LOG=$XENLOG run_until "$limit" \
            ${via[@]+"${via[@]}"} scripts/run-qemu "${args[@]}" ${qemu_args[@]:+-- "${qemu_args[@]}"}
    else
        DOM0_MEM=${dom0_mem:-64M} XEN_LOG=$XENLOG timeout --foreground -k 5 "$limit" \
            ${via[@]+"${via[@]}"} scripts/run-qemu "${args[@]}" ${qemu_args[@]:+-- "${qemu_args[@]}"} <"$stdin" >"$LOG" 2>&1
        STATUS=$?
    fi
    fail_reason=""
    [ "$STATUS" = 124 ] && check_fail "timed out after ${limit}s"
    while [ $# -gt 0 ]; do
        local check=$1; shift
        case "$check" in
            expect_status) [ "$STATUS" = "$1" ] || check_fail "QEMU exit status $STATUS, expected $1"; shift ;;
            expect_log) grep -qE -- "$1" "$LOG" || check_fail "log lacks /$1/"; shift ;;
            expect_cmd) bash -c "$1" >>"$LOG" 2>&1 || check_fail "host check failed: $1"; shift ;;
            expect_xen_log) grep -qE -- "$1" "$XENLOG" 2>/dev/null || check_fail "Xen log lacks /$1/"; shift ;;
            expect_console) grep -qE -- "$1" "$LOGDIR/$name.console.log" 2>/dev/null ||
                       check_fail "console output $LOGDIR/$name.console.log lacks /$1/"; shift ;;
            expect_hv) local hv="QEMU TCG"; [ "$ACCEL" = kvm ] && hv=KVM
                       grep -q "hypervisor: $hv" "$LOG" || check_fail "log does not name hypervisor $hv" ;;
            expect_mem_mib) local mib
                       mib=$(sed -nE 's/.*memory: ([0-9]+) MiB usable.*/\1/p' "$LOG" | head -1)
                       if [ -z "$mib" ] || [ "$mib" -lt "$1" ] || [ "$mib" -gt "$2" ]; then
                           check_fail "usable memory '${mib:-none}' MiB not in [$1, $2]"
                       fi; shift 2 ;;
            expect_selftest_pass) grep -qE "selftest: [1-9][0-9]* passed, 0 failed" "$LOG" ||
                       check_fail "no 'selftest: N passed, 0 failed' line" ;;
            *) check_fail "unknown check $check" ;;
        esac
    done
    local took=$((SECONDS - start))
    if [ -z "$fail_reason" ]; then
        PASSED=$((PASSED + 1)); echo "PASS boot/$name (${took}s)"
    else
        FAILED=$((FAILED + 1)); echo "FAIL boot/$name (${took}s), log $LOG:"
        printf '%s' "$fail_reason"
        echo "    --- last lines of the log ---"
        tail -n 15 "$LOG" | sed 's/^/    | /'
    fi
}

summary() {
    echo "boot: $PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ] && [ "$PASSED" -gt 0 ]
}
