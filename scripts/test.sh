#!/usr/bin/env bash
# The project's test command (README): vet, the whole test suite, and the
# race detector on the packages that fit, predict and serve concurrently;
# then the same for the Beam module in beam/.
# It installs what the tests need that Go does not bring: Debian's h5py, used
# to check that files kerago writes open in real h5py, and (under CI=true)
# qemu-user, to run the arm64 NEON kernel's tests under emulation. Outside CI those tests
# skip with a message when h5py is missing; with CI=true they fail, so CI
# cannot pass without the interoperability checks.
set -euo pipefail
cd "$(dirname "$0")/.."

have_h5py() { /usr/bin/python3 -c 'import h5py, numpy' >/dev/null 2>&1; }
if ! have_h5py; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing python3-h5py python3-numpy (Debian) for the HDF5 interoperability tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-h5py python3-numpy >/dev/null) || true
  fi
  if ! have_h5py; then
    if [ "${CI:-}" = true ]; then
      echo "error: h5py could not be installed; CI=true requires the h5py interoperability tests" >&2
    else
      echo "warning: h5py could not be installed; the h5py interoperability tests will skip" >&2
    fi
  fi
fi

go vet ./...
go test -count=1 ./...
go test -count=1 -race ./keras/... ./runtime/... ./serve/...
# the matrix product's parallel path, under products running concurrently
go test -count=1 -race -run Concurrent ./internal/gemm

# The arm64 NEON micro-kernel, run for real under qemu user-mode emulation
# (internal/gemm only: about 20 s). CI=true installs qemu-user with apt-get
# and fails without it; elsewhere the step skips with a warning.
if ! command -v qemu-aarch64 >/dev/null 2>&1 && [ "${CI:-}" = true ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing qemu-user (Debian) for the arm64 kernel tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user >/dev/null) || true
fi
if command -v qemu-aarch64 >/dev/null 2>&1; then
  GOARCH=arm64 go vet ./internal/gemm
  GOARCH=arm64 go test -count=1 -exec qemu-aarch64 ./internal/gemm
elif [ "${CI:-}" = true ]; then
  echo "error: qemu-aarch64 could not be installed; CI=true requires the arm64 kernel tests" >&2
  exit 1
else
  echo "warning: qemu-aarch64 not found; the arm64 NEON kernel tests are skipped" >&2
fi

# 32-bit platforms (GOARCH=386 runs natively on amd64 Linux; arm is the
# Raspberry Pi OS target): vet compiles every package and test there, and
# the size limits that differ on 32 bits are tested (tensor, kernels).
GOARCH=386 go vet ./...
GOARCH=arm go vet ./...
if [ "$(go env GOHOSTARCH)" = amd64 ] && [ "$(go env GOHOSTOS)" = linux ]; then
  GOARCH=386 go test -count=1 ./tensor ./internal/kernels ./keras/optimizers
fi

# The Apache Beam transform is its own module (beam/go.mod), outside ./...:
# vet and test it there, its worker-wide model cache under the race detector
# (a package without Beam, so that -race does not rebuild the Beam SDK).
(cd beam && go vet ./... && go test -count=1 ./... && go test -count=1 -race ./internal/modelcache)
