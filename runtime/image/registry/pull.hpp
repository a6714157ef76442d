#pragma once
// `lit image pull`: a reference's manifest (an index resolved to one
// platform), its config, then its layers, fetched in parallel (a bounded
// number at once), each streamed once: downloaded, its compressed digest
// verified, decompressed and unpacked into the store's staging directory in
// one pass. Layers whose diff ID the store has are not fetched. The store
// lock is taken only for the commit, so pulls into one store overlap. The
// image becomes visible in one store commit; any failure stores nothing.
// A registry with mirrors (lit's config) is pulled from each mirror in turn,
// then from itself: a mirror that fails (unreachable, without the image, an
// error) is passed over silently; the registry's own error is the one thrown.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/image/registry/credentials.hpp"
#include "runtime/image/registry/manifest.hpp"
#include "runtime/image/store.hpp"

namespace lit::image {

struct PullEvent {
  enum class Kind {
    Resolved,     // message: the manifest digest
    Exists,       // layer already in the store
    Waiting,      // layer queued
    Downloading,  // current/total bytes
    Verified,     // layer downloaded, digest checked, unpack finishing
    Complete,     // layer unpacked
  };
  Kind kind;
  std::string layer;  // the layer's compressed digest ("sha256:..."), empty for Resolved
  std::uint64_t current = 0, total = 0;
  std::string message;
};

struct PullOptions {
  std::optional<Platform> platform;              // default: this machine's
  std::vector<std::string> insecure_registries;  // plain HTTP allowed (beside local ones)
  // Registry key ("docker.io", "HOST[:PORT]") -> its mirrors, tried in order
  // before it ([http[s]://]HOST[:PORT], see registry_config.hpp).
  std::map<std::string, std::vector<std::string>> mirrors;
  AuthFiles auth;         // where credentials are read
  unsigned parallel = 3;  // layers fetched at once
  // Called from the fetching threads (serialize in the callee).
  std::function<void(const PullEvent&)> progress;
};

struct PullResult {
  Image image;
  std::string manifest_digest;  // of the image manifest pulled
  bool downloaded = false;      // false: the store had the image already (tag updated)
};

PullResult pull_image(Store& store, const std::string& reference, const PullOptions& options);

// What a pull of `reference` would fetch, resolved in its registry (or a
// mirror) as a pull does, nothing fetched beyond the manifests: the digest of
// the image manifest for this platform (`lit --dry-run pull`). Throws as a
// pull would (an unknown name or tag, no such platform, auth).
std::string resolve_image(const std::string& reference, const PullOptions& options);

// The tags of repository `name` (a reference without tag or digest), from its
// mirrors or its registry as a pull would; throws lit::Error naming `name`.
std::vector<std::string> list_tags(const std::string& name, const PullOptions& options);

}  // namespace lit::image
