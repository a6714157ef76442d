#pragma once
// Image references normalized as docker does (distribution/reference):
//   busybox                 -> docker.io/library/busybox:latest
//   team/app                -> docker.io/team/app:latest
//   localhost/x:1           -> localhost/x:1        ("localhost" is a registry)
//   reg.example.com:5000/a/b@sha256:...  keeps its digest (no default tag)
// and displayed in docker's short ("familiar") form: busybox:latest, team/app:latest.
#include <string>
#include <string_view>

namespace lit::image {

struct Reference {
  std::string domain;  // "docker.io", "localhost", "localhost:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // "latest"; empty only when a digest is given without a tag
  std::string digest;  // "sha256:<hex>" or empty

  std::string name() const { return domain + "/" + path; }  // repository, normalized
  std::string str() const;                                  // name[:tag][@digest]
  std::string familiar_name() const;                        // "busybox", "team/app"
  std::string familiar() const;                             // "busybox:latest"
};

// Parses and normalizes; throws lit::Error `invalid image reference "X": why`.
Reference parse_reference(std::string_view text);

// Short display form of a stored (normalized) reference; returns it unchanged
// when it does not parse.
std::string familiar(std::string_view normalized);

}  // namespace lit::image
