#pragma once
// Manifests as registries serve them: docker schema 2 manifests and manifest
// lists, OCI image manifests and indexes (untrusted input: every field is
// checked before use), and the choice of one platform from a list or index.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lit::image {

inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";

struct Platform {
  std::string os, architecture, variant;
  std::string str() const;  // "linux/arm64/v8"
};

// "os/arch[/variant]"; throws lit::Error for anything else.
Platform parse_platform(std::string_view text);
// This machine: linux and uname's machine in Go's names (x86_64 -> amd64,
// aarch64 -> arm64/v8, armv7l -> arm/v7, ...).
Platform host_platform();
Platform platform_for_machine(std::string_view machine);

struct Descriptor {
  std::string media_type, digest;
  std::uint64_t size = 0;
  Platform platform;  // in an index only
};

struct Manifest {
  bool is_index = false;
  std::string media_type;
  Descriptor config;                  // image manifest
  std::vector<Descriptor> layers;     // image manifest, bottom first
  std::vector<Descriptor> manifests;  // index
};

// `content_type` is the response's Content-Type (used when the document does
// not say its mediaType). Throws lit::Error naming `what` when the document is
// not a manifest lit can pull (schema 1, encrypted or foreign layers, bad digests).
Manifest parse_manifest(std::string_view bytes, std::string_view content_type,
                        std::string_view what);

// The index entry for `want`: os and architecture equal; a variant asked for
// must match (arm64's "" and "v8" are the same), none asked prefers the
// platform's usual one. Throws lit::Error listing the available platforms.
const Descriptor& select_platform(const Manifest& index, const Platform& want,
                                  std::string_view what);

// The tags of a GET /v2/<name>/tags/list answer ({"name": ..., "tags": [...]};
// "tags": null is none). Throws lit::Error naming `what` for anything else,
// a tag that is not docker's [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} included.
std::vector<std::string> parse_tag_list(std::string_view body, std::string_view what);

// The target of the rel="next" link of a Link header (`<URL>; rel="next"`,
// links separated by commas), or "" when there is none.
std::string next_link(std::string_view header);

}  // namespace lit::image
