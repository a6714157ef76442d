#!/usr/bin/env python3
"""Registry helpers for tests/integration/registry_test.cpp (127.0.0.1 only).

  push-variant BASE REPO SRC_TAG DST_TAG ARCH
      the image at SRC_TAG again under DST_TAG with its config's architecture
      set to ARCH (same layers, another config: another image id)
  push-index BASE REPO TAG OS/ARCH=SRC_TAG...
      a docker manifest list under TAG naming the manifests of the SRC_TAGs
  fake-registry PORT_FILE LOG_FILE LAYOUT_DIR
      a registry serving an OCI layout (written by skopeo) that wants a bearer
      token from its own token endpoint, logs each request, and cuts the first
      transfer of every large blob halfway (the client must resume with Range);
      its tags list (the layout's ref names) comes one tag per page, each page
      linking to the next (Link: <...>; rel="next")
"""
import hashlib
import http.server
import json
import os
import sys
import threading
import urllib.request

MANIFEST_TYPES = ("application/vnd.docker.distribution.manifest.v2+json, "
                  "application/vnd.oci.image.manifest.v1+json")


def request(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(req) as resp:
        return resp.status, dict(resp.headers), resp.read()


def get_manifest(base, repo, ref):
    _, headers, body = request("GET", f"{base}/v2/{repo}/manifests/{ref}",
                               headers={"Accept": MANIFEST_TYPES})
    return headers["Content-Type"], body


def upload_blob(base, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    _, headers, _ = request("POST", f"{base}/v2/{repo}/blobs/uploads/", data=b"")
    location = headers["Location"]
    if location.startswith("/"):
        location = base + location
    sep = "&" if "?" in location else "?"
    request("PUT", f"{location}{sep}digest={digest}", data=data,
            headers={"Content-Type": "application/octet-stream"})
    return digest


def push_variant(base, repo, src, dst, arch):
    media_type, body = get_manifest(base, repo, src)
    manifest = json.loads(body)
    _, _, config = request("GET", f"{base}/v2/{repo}/blobs/{manifest['config']['digest']}")
    cfg = json.loads(config)
    cfg["architecture"] = arch
    new_config = json.dumps(cfg).encode()
    manifest["config"]["digest"] = upload_blob(base, repo, new_config)
    manifest["config"]["size"] = len(new_config)
    request("PUT", f"{base}/v2/{repo}/manifests/{dst}", data=json.dumps(manifest).encode(),
            headers={"Content-Type": media_type})


def push_index(base, repo, tag, entries):
    manifests = []
    for entry in entries:
        platform, src = entry.split("=")
        parts = platform.split("/")
        media_type, body = get_manifest(base, repo, src)
        p = {"os": parts[0], "architecture": parts[1]}
        if len(parts) > 2:
            p["variant"] = parts[2]
        manifests.append({"mediaType": media_type, "size": len(body),
                          "digest": "sha256:" + hashlib.sha256(body).hexdigest(), "platform": p})
    index = {"schemaVersion": 2,
             "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
             "manifests": manifests}
    request("PUT", f"{base}/v2/{repo}/manifests/{tag}", data=json.dumps(index).encode(),
            headers={"Content-Type": index["mediaType"]})


class FakeRegistry(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    layout = ""
    log_file = ""
    token = "lit-test-token-1"
    cut = set()
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def record(self):
        with self.lock, open(self.log_file, "a") as f:
            f.write(f"{self.command} {self.path} range={self.headers.get('Range', '')} "
                    f"auth={self.headers.get('Authorization', '')}\n")

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def challenge(self, scope):
        port = self.server.server_address[1]
        value = f'Bearer realm="http://127.0.0.1:{port}/token",service="fake"'
        if scope:
            value += f',scope="{scope}"'
        self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                   {"WWW-Authenticate": value, "Content-Type": "application/json"})

    def blob_path(self, digest):
        return os.path.join(self.layout, "blobs", "sha256", digest.split(":", 1)[1])

    def do_GET(self):
        self.record()
        if self.path.startswith("/token"):
            body = json.dumps({"token": self.token, "expires_in": 300}).encode()
            return self.reply(200, body, {"Content-Type": "application/json"})
        parts = self.path.split("/")
        scope = f"repository:{'/'.join(parts[2:-2])}:pull" if len(parts) > 4 else ""
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            return self.challenge(scope)
        if self.path == "/v2/":
            return self.reply(200, b"{}")
        kind, ref = parts[-2], parts[-1]
        if kind == "manifests":
            return self.manifest(ref)
        if kind == "blobs":
            return self.blob(ref)
        if kind == "tags" and ref.split("?")[0] == "list":
            return self.tags("/".join(parts[2:-2]), ref)
        self.reply(404)

    def tags(self, repo, ref):
        with open(os.path.join(self.layout, "index.json")) as f:
            index = json.load(f)
        names = sorted(d.get("annotations", {}).get("org.opencontainers.image.ref.name", "")
                       for d in index["manifests"])
        last = ref.split("last=", 1)[1] if "last=" in ref else ""
        rest = [n for n in names if n and n > last]
        headers = {"Content-Type": "application/json"}
        if len(rest) > 1:
            headers["Link"] = f'</v2/{repo}/tags/list?n=1&last={rest[0]}>; rel="next"'
        body = json.dumps({"name": repo, "tags": rest[:1]}).encode()
        self.reply(200, body, headers)

    def manifest(self, ref):
        with open(os.path.join(self.layout, "index.json")) as f:
            index = json.load(f)
        for d in index["manifests"]:
            if ref in (d["digest"], d.get("annotations", {}).get("org.opencontainers.image.ref.name")):
                with open(self.blob_path(d["digest"]), "rb") as f:
                    body = f.read()
                return self.reply(200, body, {"Content-Type": d["mediaType"],
                                              "Docker-Content-Digest": d["digest"]})
        self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')

    def blob(self, digest):
        try:
            with open(self.blob_path(digest), "rb") as f:
                data = f.read()
        except OSError:
            return self.reply(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            return self.reply(206, data[start:], {
                "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"})
        with self.lock:
            first = digest not in self.cut and len(data) > 4096
            self.cut.add(digest)
        if not first:
            return self.reply(200, data)
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[:len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


def fake_registry(port_file, log_file, layout):
    FakeRegistry.layout = layout
    FakeRegistry.log_file = log_file
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeRegistry)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "push-variant":
        push_variant(*args)
    elif cmd == "push-index":
        push_index(args[0], args[1], args[2], args[3:])
    elif cmd == "fake-registry":
        fake_registry(*args)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
