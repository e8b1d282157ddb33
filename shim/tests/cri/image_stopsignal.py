#!/usr/bin/python3
"""shim/tests/cri/image_stopsignal.py IN.tar OUT.tar NAME SIGNAL - copy an OCI image tarball (as
`chibi image build` writes it) under a new name with config.StopSignal set.

The CRI tests need an image whose stop signal a wasm task ignores (SIGURG) to see containerd's
grace period run out; `chibi image build` has no flag for it.  The config blob changes, so its
digest and the manifest's are recomputed and index.json names the new manifest.
"""
import hashlib
import io
import json
import sys
import tarfile


def main():
    src, dst, name, sig = sys.argv[1:5]
    blobs, order = {}, []
    with tarfile.open(src) as t:
        for m in t.getmembers():
            order.append(m)
            if m.isfile():
                blobs[m.name] = t.extractfile(m).read()
    index = json.loads(blobs["index.json"])
    desc = index["manifests"][0]
    man_path = "blobs/sha256/" + desc["digest"].split(":")[1]
    manifest = json.loads(blobs.pop(man_path))
    cfg_path = "blobs/sha256/" + manifest["config"]["digest"].split(":")[1]
    config = json.loads(blobs.pop(cfg_path))
    config.setdefault("config", {})["StopSignal"] = sig

    def put(obj):
        data = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
        digest = hashlib.sha256(data).hexdigest()
        blobs["blobs/sha256/" + digest] = data
        return "sha256:" + digest, len(data)

    manifest["config"]["digest"], manifest["config"]["size"] = put(config)
    desc["digest"], desc["size"] = put(manifest)
    desc["annotations"]["io.containerd.image.name"] = name
    desc["annotations"]["org.opencontainers.image.ref.name"] = name.rsplit(":", 1)[-1]
    blobs["index.json"] = json.dumps(index, sort_keys=True, separators=(",", ":")).encode()
    with tarfile.open(dst, "w") as out:
        for m in order:
            if m.isdir():
                out.addfile(m)
        for path in sorted(blobs):
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(blobs[path]), 0o644
            out.addfile(info, io.BytesIO(blobs[path]))


if __name__ == "__main__":
    main()
