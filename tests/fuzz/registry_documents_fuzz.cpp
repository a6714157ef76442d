// Fuzz target: what a registry (or a credentials file) sends lit is untrusted.
// The first byte of the input picks what the rest is (seeds start with an
// ASCII digit):
//   0  a manifest or index (runtime/image/registry/manifest), with the platform
//      chosen from an index for this machine and for linux/arm/v7
//   1  a WWW-Authenticate header (runtime/image/registry/challenge)
//   2  a docker config.json with "auths" (runtime/image/registry/credentials)
//   3  a --platform value
//   4  a tags/list answer, then the same bytes as a Link header
//      (runtime/image/registry/manifest)
//   5  lit's config file (runtime/image/registry/registry_config)
// Parsing must fail only with lit::Error; what it accepts must be consistent.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/image/digest.hpp"
#include "runtime/image/registry/challenge.hpp"
#include "runtime/image/registry/credentials.hpp"
#include "runtime/image/registry/manifest.hpp"
#include "runtime/image/registry/registry_config.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/scratch.hpp"

namespace {

using namespace lit::image;
using lit::fuzz::die;

void manifest(const std::string& doc) {
  Manifest m;
  try {
    m = parse_manifest(doc, "application/vnd.oci.image.index.v1+json", "fuzz");
  } catch (const lit::Error&) {
    return;
  }
  for (const auto* list : {&m.layers, &m.manifests})
    for (const auto& d : *list)
      if (!is_sha256_digest(d.digest)) die("accepted a descriptor without a valid digest");
  if (!m.is_index) return;
  for (const Platform& want : {host_platform(), Platform{"linux", "arm", "v7"}}) {
    try {
      const Descriptor& d = select_platform(m, want, "fuzz");
      if (d.platform.os != want.os || d.platform.architecture != want.architecture)
        die("selected another platform");
    } catch (const lit::Error&) {
    }
  }
}

void credentials(const std::string& doc) {
  try {
    for (const auto& [key, cred] : parse_auth_config(doc, "fuzz"))
      if (key != registry_key(key)) die("a registry key that is not normalized");
    std::string updated = update_auth_config(doc, "fuzz.example", Credential{"u", "p:w"}, "fuzz");
    auto back = parse_auth_config(updated, "fuzz");
    if (back.at("fuzz.example").password != "p:w") die("an updated entry does not read back");
  } catch (const lit::Error&) {
  }
}

void tags_and_links(const std::string& doc) {
  try {
    for (const auto& tag : parse_tag_list(doc, "fuzz"))
      if (tag.empty() || tag.size() > 128 || tag.find('/') != std::string::npos)
        die("accepted a tag that is not one");
  } catch (const lit::Error&) {
  }
  const std::string next = next_link(doc);
  if (next.find('>') != std::string::npos) die("a link target with its closing bracket");
}

void config(const std::string& doc) {
  try {
    RegistryConfig c = parse_registry_config(doc, "fuzz.yml");
    for (const auto& [registry, mirrors] : c.mirrors)
      for (const auto& m : mirrors)
        if (split_mirror(m).second.empty()) die("accepted an empty mirror");
  } catch (const lit::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string doc(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      manifest(doc);
      break;
    case 1:
      for (const auto& c : parse_www_authenticate(doc))
        if (c.scheme.empty()) die("a challenge without a scheme");
      break;
    case 2:
      credentials(doc);
      break;
    case 3:
      try {
        Platform p = parse_platform(doc);
        if (parse_platform(p.str()).str() != p.str()) die("a platform that does not re-parse");
      } catch (const lit::Error&) {
      }
      break;
    case 4:
      tags_and_links(doc);
      break;
    case 5:
      config(doc);
      break;
  }
  return 0;
}
