#!/usr/bin/env python3
"""Writes the binary seeds of tests/fuzz/corpus/{tar_unpack,image_manifest}.

The image_manifest seeds refer to the small image that image_manifest_fuzz.cpp
puts next to them (FixedImage): keep the strings here equal to it.
Usage: python3 tests/fuzz/make_seeds.py  (from the repository root)
"""
import hashlib, io, json, os, subprocess, tarfile

HERE = os.path.dirname(os.path.abspath(__file__))


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def tar(entries):
    """entries: (name, type, data_or_target[, mode]) with type in f d l h c p."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            name, kind, arg = e[0], e[1], e[2]
            info = tarfile.TarInfo(name)
            info.mtime = 1700000000
            info.mode = e[3] if len(e) > 3 else (0o755 if kind == "d" else 0o644)
            data = None
            if kind == "f":
                data = arg
                info.size = len(data)
            elif kind == "d":
                info.type = tarfile.DIRTYPE
            elif kind == "l":
                info.type, info.linkname = tarfile.SYMTYPE, arg
            elif kind == "h":
                info.type, info.linkname = tarfile.LNKTYPE, arg
            elif kind == "c":
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
            elif kind == "p":
                info.type = tarfile.FIFOTYPE
            if kind == "x":  # a file with a pax xattr
                info.size = len(arg)
                info.pax_headers = {"SCHILY.xattr.user.note": "hi", "SCHILY.xattr.trusted.overlay.opaque": "y"}
                data = arg
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    # Small seeds mutate better: drop tarfile's padding to 10 KiB, keep the end marker.
    body = out.getvalue().rstrip(b"\0")
    return body + b"\0" * (-len(body) % 512 + 1024)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tar_seeds():
    layer = tar([
        ("./", "d", None), ("etc", "d", None, 0o755), ("etc/hostname", "f", b"box\n"),
        ("bin", "d", None), ("bin/sh", "f", b"#!\n", 0o4755), ("bin/ash", "h", "bin/sh"),
        ("bin/ls", "l", "/bin/sh"), ("dev/null", "c", None), ("run/fifo", "p", None),
        ("usr/note", "x", b"x"), ("ro", "d", None, 0o500), ("ro/file", "f", b"r", 0o400),
    ])
    write("tar_unpack", "layer.tar", layer)
    write("tar_unpack", "layer.tar.gz", subprocess.run(["gzip", "-9n"], input=layer, capture_output=True, check=True).stdout)
    write("tar_unpack", "layer.tar.zst", subprocess.run(["zstd", "-q", "-c"], input=layer, capture_output=True, check=True).stdout)
    write("tar_unpack", "whiteouts.tar", tar([
        ("a", "d", None), ("a/.wh..wh..opq", "f", b""), (".wh.gone", "f", b""), ("a/.wh.b", "f", b""),
        ("a/.wh..wh.plnk", "d", None), ("kept", "f", b"k"), (".wh.kept", "f", b""),
    ]))
    # Attempts to get out: each must fail or land inside the layer.
    write("tar_unpack", "escape-dotdot.tar", tar([("a/../../outside", "f", b"pwned")]))
    write("tar_unpack", "escape-symlink-parent.tar", tar([
        ("up", "l", "../"), ("up/outside", "f", b"pwned"), ("up/new", "f", b"pwned")]))
    write("tar_unpack", "escape-symlink-absolute.tar", tar([
        ("abs", "l", "/tmp/lit-fuzz-tar"), ("abs/outside", "f", b"pwned"), ("abs/new", "d", None),
        ("deep/x", "l", "../../../../tmp/lit-fuzz-tar/new2"), ("deep/x/y", "f", b"pwned")]))
    write("tar_unpack", "escape-hardlink.tar", tar([
        ("link", "h", "../outside"), ("abs", "l", "/tmp/lit-fuzz-tar/outside"), ("h2", "h", "abs"),
        ("h2", "f", b"overwrite through a hard link to a symlink")]))
    write("tar_unpack", "replace.tar", tar([
        ("d", "d", None), ("d/f", "f", b"1"), ("d", "l", "/tmp/lit-fuzz-tar"), ("d/f", "f", b"2"),
        ("f", "f", b"x"), ("f", "d", None), ("f/g", "l", "."), ("f/g/g/h", "f", b"y")]))


FIXED_LAYER = b"not really a tar, the formats only hash it\n"
FIXED_CONFIG = (
    '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Env":["PATH=/bin"]},'
    '"rootfs":{"type":"layers","diff_ids":["' + sha(FIXED_LAYER) + '"]}}').encode()
FIXED_MANIFEST = (
    '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
    '"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"' + sha(FIXED_CONFIG) +
    '","size":' + str(len(FIXED_CONFIG)) +
    '},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"' + sha(FIXED_LAYER) +
    '","size":' + str(len(FIXED_LAYER)) + '}]}').encode()


def desc(media_type, blob, **extra):
    d = {"mediaType": media_type, "digest": sha(blob), "size": len(blob)}
    d.update(extra)
    return d


def image_seeds():
    cfg_hex = sha(FIXED_CONFIG)[7:]
    j = lambda v: json.dumps(v).encode()
    write("image_manifest", "0-docker-old", b"0" + j([{
        "Config": cfg_hex + ".json", "RepoTags": ["busybox:latest", "team/app:1"],
        "Layers": ["layer/layer.tar", "link.tar"]}]))
    write("image_manifest", "0-docker-blobs", b"0" + j([{
        "Config": "blobs/sha256/" + cfg_hex, "RepoTags": None,
        "Layers": ["blobs/sha256/" + sha(FIXED_LAYER)[7:]]}]))
    m = "application/vnd.oci.image.manifest.v1+json"
    write("image_manifest", "1-oci-index", b"1" + j({"schemaVersion": 2, "manifests": [desc(
        m, FIXED_MANIFEST, annotations={"io.containerd.image.name": "docker.io/library/x:1",
                                        "org.opencontainers.image.ref.name": "1"})]}))
    write("image_manifest", "1-oci-platforms", b"1" + j({"manifests": [
        desc(m, FIXED_MANIFEST, platform={"os": "linux", "architecture": "arm64"}),
        desc(m, FIXED_MANIFEST, platform={"os": "linux", "architecture": "amd64"},
             annotations={"org.opencontainers.image.ref.name": "reg.io/a/b:2"})]}))
    write("image_manifest", "2-oci-manifest", b"2" + FIXED_MANIFEST)
    write("image_manifest", "3-oci-nested-index", b"3" + j({"schemaVersion": 2, "manifests": [
        desc(m, FIXED_MANIFEST, platform={"os": "linux", "architecture": "amd64"})]}))
    write("image_manifest", "4-config", b"4" + j({
        "architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
        "config": {"Entrypoint": "sh", "Cmd": ["-c", "x"], "Env": ["A=1"], "WorkingDir": "/w",
                   "User": "1:1", "Labels": {"a": "b"}, "StopSignal": "SIGTERM",
                   "ExposedPorts": {"80/tcp": {}}, "Healthcheck": {"Test": ["CMD", "true"]}},
        "rootfs": {"type": "layers", "diff_ids": [sha(FIXED_LAYER)]}}))
    archive = tar([
        ("manifest.json", "f", j([{"Config": "c.json", "RepoTags": ["a:b"], "Layers": ["l.tar"]}])),
        ("c.json", "f", FIXED_CONFIG), ("l.tar", "f", FIXED_LAYER), ("dir", "d", None),
        ("dir/link", "l", "../l.tar")])
    write("image_manifest", "5-archive.tar", b"5" + archive)
    write("image_manifest", "5-archive.tar.gz", b"5" + subprocess.run(
        ["gzip", "-9n"], input=archive, capture_output=True, check=True).stdout)


tar_seeds()
image_seeds()
