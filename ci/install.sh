#!/usr/bin/env bash
# Installs what the tests need on a fresh machine: Go's toolchain is on the
# image; make and the pinned modules (including the Ginkgo CLI) are fetched.
set -euo pipefail
command -v make >/dev/null || { apt-get update -qq && apt-get install -y -qq make; }
go version
go mod download
go mod verify
