#!/usr/bin/env python3
"""Writes the pull benchmark's image: the busybox fixture's docker-archive
with LAYERS more layers of SIZE_MB of incompressible data each (from
/dev/urandom), as a docker-archive tagged TAG.

Usage: make_bench_image.py FIXTURE_TAR OUT_TAR TAG [LAYERS] [SIZE_MB]
"""
import hashlib
import io
import json
import os
import sys
import tarfile

MTIME = 1700000000


def layer_tar(index, size):
    """One layer: /bench/data-INDEX, SIZE bytes from /dev/urandom."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        d = tarfile.TarInfo("bench")
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, MTIME
        t.addfile(d)
        f = tarfile.TarInfo("bench/data-%d" % index)
        f.size, f.mode, f.mtime = size, 0o644, MTIME
        t.addfile(f, io.BytesIO(os.urandom(size)))
    return buf.getvalue()


def main():
    src, out, tag = sys.argv[1], sys.argv[2], sys.argv[3]
    layers = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    size = int(float(sys.argv[5]) * (1 << 20)) if len(sys.argv) > 5 else 16 << 20
    with tarfile.open(src) as t:
        manifest = json.load(t.extractfile("manifest.json"))[0]
        config = json.load(t.extractfile(manifest["Config"]))
        members = {m: t.extractfile(m).read() for m in manifest["Layers"]}
    names = list(manifest["Layers"])
    for i in range(layers):
        data = layer_tar(i, size)
        digest = hashlib.sha256(data).hexdigest()
        name = digest + "/layer.tar"
        members[name] = data
        names.append(name)
        config["rootfs"]["diff_ids"].append("sha256:" + digest)
        config.setdefault("history", []).append(
            {"created": config.get("created", ""), "created_by": "bench layer %d" % i})
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    members[config_name] = config_bytes
    members["manifest.json"] = json.dumps(
        [{"Config": config_name, "RepoTags": [tag], "Layers": names}]).encode()
    with tarfile.open(out, "w") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, MTIME
            t.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    main()
