#pragma once
// COPY and ADD of local files: selecting the sources in the build context
// (globs, .dockerignore), hashing them for the cache (content, mode and path,
// not mtimes) and copying them into a new layer directory as docker does.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/image/build/ignore.hpp"

namespace lit::image::builder {

// One source of a COPY: a path under `root` (the context, or a stage's tree).
struct CopySource {
  std::filesystem::path path;  // absolute
  std::string relative;        // to the root, cleaned ("a/b.txt")
};

// The sources a COPY names, globs expanded (sorted), each present and not
// excluded. Throws lit::Error "COPY: FILE: not found in the build context
// (or excluded by .dockerignore)".
std::vector<CopySource> select_sources(const std::filesystem::path& root,
                                       const std::vector<std::string>& sources,
                                       const build::IgnoreMatcher& ignore);

// sha256 over the sources' trees: relative paths, modes, file contents and
// symlink targets, excluded files left out; mtimes and owners are not part of it.
std::string hash_sources(const std::vector<CopySource>& sources,
                         const build::IgnoreMatcher& ignore);

struct CopyOptions {
  std::string dest;          // absolute in the image
  bool dest_is_dir = false;  // dest ends with '/' or is a directory in the image
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<unsigned> mode;  // --chmod
};

// Copies the sources into `layer` (a new layer directory) at dest; parent
// directories come from `lower` (the image's layers, bottom first) when they
// exist there, else root-owned 0755.
void copy_into_layer(const std::vector<CopySource>& sources, const build::IgnoreMatcher& ignore,
                     const CopyOptions& options, const std::filesystem::path& layer,
                     const std::vector<std::filesystem::path>& lower);

// Whether `path` (absolute in the image) is a directory in these layers.
bool is_dir_in_layers(const std::vector<std::filesystem::path>& layers, const std::string& path);

// The merged tree of `relative` (a path in the image) from layers bottom
// first, whiteouts and opaque directories applied, copied under `out`.
void materialize(const std::vector<std::filesystem::path>& layers, const std::string& relative,
                 const std::filesystem::path& out);

// Creates the parent directories of `relative` under `layer`, as in `lower`.
void make_parents(const std::filesystem::path& layer, const std::string& relative,
                  const std::vector<std::filesystem::path>& lower);

}  // namespace lit::image::builder
