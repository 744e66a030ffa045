#!/usr/bin/env bash
# Installs what the tests need on a fresh machine: Go's toolchain is on the
# image; make, openssl (checks every certificate the PKI generates,
# emulators/rsp tests), ser2net (Debian's, 4.x: the lab specs and transport
# tests export the emulator's pty through it), tshark (Debian's: the APDU
# lane is checked with Wireshark's GSMTAP and GSM SIM dissectors), asn1c
# (Debian bookworm's 0.9.28) with gcc (internal/proto/asn1check compiles the
# SGP.22 and SAIP ASN.1 modules into an independent decoder), chromium
# (Debian's: the timeline and index pages are opened headless in
# harness/timeline and harness/report tests), modemmanager (Debian
# bookworm's 1.20.4) with dbus-daemon (the dbus package, where it is not
# there: specs/modemmanager_test.go runs ModemManager, a real host stack,
# on a session bus of its own against the emulated modem; make specs-host)
# and the pinned modules (including the Ginkgo CLI) are fetched.
set -euo pipefail
missing=()
command -v make >/dev/null || missing+=(make)
command -v openssl >/dev/null || missing+=(openssl)
command -v ser2net >/dev/null || [ -x /usr/sbin/ser2net ] || missing+=(ser2net)
command -v tshark >/dev/null || missing+=(tshark)
command -v asn1c >/dev/null || missing+=(asn1c)
command -v gcc >/dev/null || missing+=(gcc libc6-dev)
command -v chromium >/dev/null || missing+=(chromium)
command -v ModemManager >/dev/null || [ -x /usr/sbin/ModemManager ] || missing+=(modemmanager)
command -v dbus-daemon >/dev/null || missing+=(dbus)
if [ ${#missing[@]} -gt 0 ]; then
	# Debian packages need root: as another user, through sudo, or say what to do.
	sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || {
			echo "ci/install.sh: missing ${missing[*]}; run this script as root (it uses apt-get)" >&2
			exit 1
		}
		sudo=(sudo)
	fi
	echo "ci/install.sh: installing ${missing[*]}"
	# wireshark-common asks whether non-root users may capture: no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | "${sudo[@]}" debconf-set-selections
	"${sudo[@]}" apt-get update -qq
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
go version
/usr/sbin/ser2net -v 2>/dev/null || ser2net -v
tshark --version 2>/dev/null | head -1
asn1c -v 2>&1 | sed -n 1p
chromium --version
/usr/sbin/ModemManager --version 2>/dev/null | head -1 || ModemManager --version | head -1
dbus-daemon --version | head -1
go mod download
go mod verify
