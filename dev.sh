#!/usr/bin/env bash
# The two commands of the README.
#   ./dev.sh demo   install what is missing, build, run `tugboat demo` against the built-in Slack emulator
#   ./dev.sh test   install what is missing, build with ASan+UBSan, run the whole test suite
#   ./dev.sh bench  install what is missing, build optimised, run the benchmarks
set -euo pipefail
cd "$(dirname "$0")"

packages=(g++ cmake ninja-build git openssl ca-certificates libboost1.81-dev libssl-dev rapidjson-dev
  libsqlitecpp-dev libsqlite3-dev libfmt-dev doctest-dev libtomlplusplus-dev libpugixml-dev tzdata)

install_deps() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" --parallel "$(nproc)"
}

case "${1:-}" in
  demo)
    install_deps
    build build-release -DCMAKE_BUILD_TYPE=Release -DTUGBOAT_TESTS=OFF -DTUGBOAT_BENCH=OFF
    exec build-release/bot/tugboat demo "${@:2}"
    ;;
  test)
    install_deps
    build build-asan -DCMAKE_BUILD_TYPE=Debug -DTUGBOAT_SANITIZE=ON -DTUGBOAT_BENCH=OFF
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ctest --test-dir build-asan --output-on-failure --timeout 600 -j "$(nproc)"
    ;;
  bench)
    install_deps
    build build-release -DCMAKE_BUILD_TYPE=Release -DTUGBOAT_TESTS=OFF -DTUGBOAT_BENCH=ON
    exec bench/run build-release
    ;;
  *)
    echo "usage: ./dev.sh demo | test | bench" >&2
    exit 2
    ;;
esac
