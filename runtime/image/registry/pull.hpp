#pragma once
// `lit image pull`: a reference's manifest (an index resolved to one
// platform), its config, then its layers, fetched in parallel (a bounded
// number at once), each streamed once: downloaded, its compressed digest
// verified, decompressed and unpacked into the store's staging directory in
// one pass. Layers whose diff ID the store has are not fetched. The store
// lock is taken only for the commit, so pulls into one store overlap. The
// image becomes visible in one store commit; any failure stores nothing.
#include <cstdint>
#include <filesystem>
#include <functional>
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
  AuthFiles auth;                                // where credentials are read
  unsigned parallel = 3;                         // layers fetched at once
  // Called from the fetching threads (serialize in the callee).
  std::function<void(const PullEvent&)> progress;
};

struct PullResult {
  Image image;
  std::string manifest_digest;  // of the image manifest pulled
  bool downloaded = false;      // false: the store had the image already (tag updated)
};

PullResult pull_image(Store& store, const std::string& reference, const PullOptions& options);

}  // namespace lit::image
