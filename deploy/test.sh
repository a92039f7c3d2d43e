#!/usr/bin/env bash
# Builds ember and runs every test under one ctest run: the GoogleTest suites
# and the libFuzzer targets (built by clang in a second build dir, run for
# EMBER_FUZZ_SECONDS each, default 30, as tests labelled "fuzz").
# EMBER_BUILD_DIR (default build) and EMBER_CMAKE_ARGS adjust the main build.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${EMBER_BUILD_DIR:-build}
fuzz_build="$build-fuzz"
CC=clang CXX=clang++ cmake -S . -B "$fuzz_build" -G Ninja -DEMBER_FUZZ=ON >/dev/null
cmake --build "$fuzz_build" -j"$(nproc)" --target fuzz_targets

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEMBER_FUZZ_BIN_DIR="$(cd "$fuzz_build" && pwd)/tests/fuzz" ${EMBER_CMAKE_ARGS:-}
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
