#pragma once
// RUN --mount: what each mount puts at its target for the step, outside its
// layer.
//   cache  <images>/build-cache/mounts/<sha256 of the id, else the target>,
//          kept between builds (lit builder prune removes them); sharing=locked
//          and private take a lock (private: a fresh directory when it is taken)
//   bind   read-only: a path of the context, or of a stage's or image's files
//   tmpfs  an empty tmpfs
// Bind mounts' content joins the step's cache key, as COPY's does.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "runtime/image/build/containerfile.hpp"
#include "runtime/image/build/ignore.hpp"
#include "runtime/image/builder/config_edit.hpp"
#include "runtime/spec/spec.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image::builder {

class StepHost;

struct PreparedMounts {
  std::vector<runtime::Mount> mounts;
  std::vector<std::string> stubs;                // mount points the image lacks, absolute
  std::vector<std::unique_ptr<TempDir>> trees;   // bind from a stage or image; private caches
  std::vector<std::unique_ptr<FileLock>> locks;  // locked and private caches, held for the RUN
};

// The bind mounts' sources for the step's cache key: the context's files (as
// COPY hashes them), a stage's or image's digest; "" without bind mounts.
std::string mounts_content_hash(StepHost& host, const std::vector<build::RunMount>& mounts,
                                const std::filesystem::path& context,
                                const build::IgnoreMatcher& ignore);

// What the mounts need, made once the step is not cached.
PreparedMounts prepare_mounts(StepHost& host, const StageImage& image,
                              const std::vector<build::RunMount>& mounts,
                              const std::filesystem::path& context,
                              const build::IgnoreMatcher& ignore);

// The cache mounts' directory in an image store.
std::filesystem::path cache_mounts_dir(const std::filesystem::path& images_root);

}  // namespace lit::image::builder
