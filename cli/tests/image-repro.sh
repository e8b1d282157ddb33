#!/bin/sh
# cli/tests/image-repro.sh - `chibi image build` must stay reproducible, byte for byte.
#
# Builds images from committed inputs (fuzz corpus modules) with options that reach every
# field of the OCI config, manifest and index (escapes included), and compares each tarball's
# SHA-256 with cli/tests/image-repro.sha256.  Those digests were made by chibi 4308d80, before
# the image JSON went through util/json's writer: a changed digest means images built from
# the same inputs no longer match what is already stored in registries and caches.
#
#   sh cli/tests/image-repro.sh CHIBI          check
#   sh cli/tests/image-repro.sh CHIBI --print  print the digests (to make the golden file)
set -eu
CHIBI=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
A="$ROOT/fuzz/corpus/00abdc5069ea36f1.wasm"
B="$ROOT/fuzz/corpus/0233401967ee6b24.wasm"
C="$ROOT/fuzz/corpus/02f03a4594e654b9.wasm"
cp "$A" "$T/app.wasm"

cd "$T"
"$CHIBI" image build app.wasm >/dev/null
"$CHIBI" image build -o two.tar -n registry.local:5000/team/app:v1.2 --entrypoint /bin/app.wasm \
	--env 'A=1' --env 'QUOTE="x\y"' --env "$(printf 'CTRL=\001\t\n')" --env 'UTF8=é→' \
	--cmd --flag --cmd 'two words' --cmd '' --workdir /srv --platform wasip1/wasm32 \
	app.wasm "$B" "$C:/data/deep/c.wasm" >/dev/null
"$CHIBI" image build --output three.tar --name plain app.wasm "$B:/b.wasm" >/dev/null
sums=$(sha256sum app.tar two.tar three.tar)
if [ "${2:-}" = --print ]; then
	echo "$sums"
	exit 0
fi
if [ "$sums" = "$(cat "$HERE/image-repro.sha256")" ]; then
	echo "image-repro: 3 images byte-identical to the golden digests"
else
	echo "image-repro: digests differ from cli/tests/image-repro.sha256:" >&2
	echo "$sums" >&2
	exit 1
fi
