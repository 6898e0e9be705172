#!/usr/bin/env bash
# Installs the freshly built swarm into a scratch prefix, builds examples/embed against
# it with find_package(swarm) — exactly as an embedding project would — and runs it.
set -euo pipefail
build_dir=$1
source_dir=$2
extra_flags=${3:-} # compiler and linker flags, e.g. the sanitizers of an ASan build
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
cmake -S "$source_dir/examples/embed" -B "$scratch/build" \
  -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="$extra_flags" -DCMAKE_EXE_LINKER_FLAGS="$extra_flags" >/dev/null
cmake --build "$scratch/build" -j2 >/dev/null
mkdir "$scratch/work"
"$scratch/build/embed_example" "$scratch/work"
# The installed CLI works against the same database.
"$scratch/prefix/bin/swarm" status --db "$scratch/work/.swarm/swarm.db"
