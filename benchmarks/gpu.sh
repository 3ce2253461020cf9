#!/usr/bin/env bash
# The GPU figures (issue 14) in one run, for a session lent the GPU machine (device tool):
#
#   run(command="bash benchmarks/gpu.sh", carry=[".whl", ".gl"], timeout_s=600)
#
# It checks the CUDA encode and train paths (tests/test_devices.py, a short `davis train
# --device cuda`), then runs the benchmarks whose GPU targets the README lists: a 4-minute
# song encoded in-process on CUDA (< 0.3 s), every animation at 3840x2160 (>= 240 fps),
# 2,000,000 live particles (>= 60 fps) and `davis render` 1920x1080 at 60 fps (>= 4x real
# time). Every step has its own time limit (540 s in all), so one that hangs costs only its
# own minutes.
# The log lands in $OUT/gpu.log.
#
# The device image has Python 3.12 with torch, numpy, scipy, rich, typer and pytest, but not
# davis's audio, GL and video packages, and no GL loader libraries. Prepare both once here
# (both folders are git-ignored):
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
#     --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#     --platform manylinux1_x86_64 -d .whl soundfile soxr platformdirs moderngl glcontext av \
#     python-osc soundcard cffi pycparser librosa audioread pooch decorator
#   mkdir -p .gl /tmp/amd64/partial; o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64
#     -oDir::State::Lists=/tmp/amd64'; apt-get $o update
#   (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
# On a machine without a GPU the script runs too (every figure then is the CPU's).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/davis-gpu}
mkdir -p "$OUT"

step() {  # step SECONDS TITLE COMMAND...: run one step under its own time limit
    local limit=$1 title=$2
    shift 2
    echo
    echo "== $title"
    local started=$SECONDS
    timeout "$limit" "$@"
    local status=$?
    echo "-- $title: exit $status after $((SECONDS - started)) s"
}

{
    # (only on the GPU machine: here they would replace this machine's own libraries)
    if [ -d .gl ] && command -v nvidia-smi > /dev/null; then
        for f in .gl/*.deb; do dpkg -x "$f" /; done
        ldconfig
    fi
    if [ -d .whl ] && python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then
        python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
            --target /tmp/site .whl/*.whl || exit 1
    fi
    export PYTHONPATH="/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
    export PYTHONUNBUFFERED=1 DAVIS_CACHE_DIR=/tmp/davis-cache DAVIS_DATA_DIR=/tmp/davis-data
    vendor=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    if [ -f "$vendor" ]; then export __EGL_VENDOR_LIBRARY_FILENAMES=$vendor; fi

    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
    python3 - <<'EOF'
import torch
print("torch", torch.__version__, "CUDA:", torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
from visualizer.gl import offscreen_context
print("OpenGL:", offscreen_context().info["GL_RENDERER"])
EOF

    step 90 "CUDA and CPU give the same features" \
        python3 -m pytest -q -p no:cacheprovider tests/test_devices.py
    step 80 "encode a 4-minute song in-process (the GPU when there is one; target < 0.3 s on it)" \
        python3 benchmarks/encode.py --minutes 4 --device auto
    songs=/tmp/davis-train-songs
    python3 - "$songs" <<'EOF'
import sys
from pathlib import Path
sys.path.insert(0, "benchmarks")
from _common import make_song
folder = Path(sys.argv[1])
folder.mkdir(parents=True, exist_ok=True)
for index, minutes in enumerate((1.0, 1.5, 2.0, 2.5)):
    make_song(folder / f"song-{index}.ogg", minutes)
EOF
    step 100 "davis train (the GPU when there is one; 4 songs, 5 epochs)" \
        python3 -m visualizer train "$songs" -o /tmp/davis-cuda-model.safetensors \
        --device auto --epochs 5 --frames-per-song 2000 --force
    step 150 "every animation at 1280x720 and 3840x2160 (targets: >= 240 fps at 4K, 2M particles >= 60)" \
        python3 benchmarks/animations.py --frames 240 --sizes 1280x720,3840x2160
    step 120 "davis render (target: 1920x1080 at 60 fps >= 4x real time)" \
        python3 benchmarks/render.py --seconds 5 --hd-seconds 10
} 2>&1 | tee "$OUT/gpu.log"
