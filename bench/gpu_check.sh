#!/usr/bin/env bash
# The GPU check: on one CUDA GPU, in under 10 minutes, everything the README's GPU figures come from.
#
#   bash bench/gpu_check.sh            # from the repository root; logs in $OUT (or /tmp/gpu_check) as well
#
# 1. the CUDA-marked tests (pytest -m cuda: bf16/fp16 autocast, channels_last, cudnn.benchmark, no host sync in
#    a step, torch.compile);
# 2. images/s of the Engine against the pytorch/examples DCGAN loop, 64 px, batch 128, CIFAR-shaped random
#    images (the machine is offline), with and without torch.compile (bench/engine_vs_examples.py);
# 3. time-to-quality at 30/60/120 s for the fast presets (bench/time_to_quality.py, when it exists);
# 4. an out-of-memory run: it fails alone with the advice to lower the batch, memory is released, the next run
#    trains (bench/gpu_oom_check.py);
# 5. a 1-GPU torchrun smoke run (torchrun --nproc_per_node 1 ... --device cuda: gan_core.distributed on NCCL), its
#    run directory checked (bench/ddp_smoke.py), and the cuda-marked tests of the run manager's GPU placement.
# Each step has its own time limit (they add up to under 10 minutes); a compact summary ends the output.
set -u
cd "$(dirname "$0")/.."
LOG="${OUT:-/tmp/gpu_check}"
mkdir -p "$LOG"
START=$(date +%s)
declare -a SUMMARY

step() {  # step NAME LIMIT_S COMMAND...: run with a time limit, keep the log, remember the status
    local name=$1 limit=$2
    shift 2
    local t0=$(date +%s)
    echo "=== $name (limit ${limit}s): $*"
    timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$LOG/$name.log"
    local rc=${PIPESTATUS[0]}
    local status="ok"
    [ "$rc" -eq 124 ] && status="TIMEOUT" || { [ "$rc" -ne 0 ] && status="FAILED (exit $rc)"; }
    SUMMARY+=("$(printf '%-18s %-16s %4ss' "$name" "$status" "$(( $(date +%s) - t0 ))")")
}

python - <<'EOF' 2>&1 | tee "$LOG/device.log"
import torch
ok = torch.cuda.is_available()
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, GPU: "
      + (f"{torch.cuda.get_device_name(0)}, bf16 {torch.cuda.is_bf16_supported()}" if ok else "none"))
raise SystemExit(0 if ok else 3)
EOF
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    echo "no CUDA GPU here: nothing to check"
    exit 3
fi

step cuda-tests 110 python -m pytest -q -m cuda tests/test_engine_accel.py -p no:cacheprovider
step engine-vs-examples 140 python bench/engine_vs_examples.py --device cuda --batch 128 --width 64 --steps 50 \
    --warmup 10 --rounds 5 --compile --loader
if [ ! -f bench/time_to_quality.py ]; then
    SUMMARY+=("$(printf '%-18s %s' time-to-quality 'SKIPPED (no bench/time_to_quality.py)')")
elif ! python -c "from gan_core.data import load_dataset; load_dataset('fashion-mnist')" >/dev/null 2>&1; then
    SUMMARY+=("$(printf '%-18s %s' time-to-quality 'SKIPPED (Fashion-MNIST not found offline: put it in data/)')")
else  # both presets at once on the one GPU
    step time-to-quality 160 python bench/time_to_quality.py --device cuda --presets fmnist-fast,fmnist-cfast \
        --times 30,60,120 --parallel 2
fi
step oom 60 python bench/gpu_oom_check.py
step ddp-smoke 60 python bench/ddp_smoke.py --procs 1 --device cuda --steps 100
step gpu-placement 30 python -m pytest -q -m cuda tests/test_manager_gpus.py -p no:cacheprovider

echo
echo "=== summary ($(( $(date +%s) - START )) s in all; logs in $LOG)"
head -1 "$LOG/device.log"
printf '%s\n' "${SUMMARY[@]}"
grep -h "passed\|failed" "$LOG/cuda-tests.log" 2>/dev/null | tail -1
grep -h "^engine\|^examples\|^RESULT" "$LOG/engine-vs-examples.log" 2>/dev/null
[ -f "$LOG/time-to-quality.log" ] && tail -n 15 "$LOG/time-to-quality.log"
grep -h "^RESULT" "$LOG/oom.log" 2>/dev/null
grep -h "^RESULT" "$LOG/ddp-smoke.log" 2>/dev/null
grep -h "passed\|failed" "$LOG/gpu-placement.log" 2>/dev/null | tail -1
