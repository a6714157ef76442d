#pragma once
// The filesystem steps of a build: COPY/ADD into a new layer, RUN in a lit
// container whose overlay upper directory becomes the layer, and the layer
// WORKDIR makes when its directory is missing.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/image/build/containerfile.hpp"
#include "runtime/image/build/ignore.hpp"
#include "runtime/image/builder/config_edit.hpp"
#include "runtime/image/builder/copy.hpp"
#include "runtime/spec/spec.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"

namespace lit::image {
class Transaction;
}

namespace lit::image::builder {

// What the steps need from the builder.
class StepHost {
 public:
  virtual ~StepHost() = default;
  virtual Transaction& txn() = 0;
  virtual const Paths& paths() const = 0;
  // The unpacked layers of an image being built (staged or in the store), bottom first.
  virtual std::vector<std::filesystem::path> layer_dirs(const StageImage& image) const = 0;
  // A staged layer directory (with diff/) becomes a layer; returns its diff id.
  virtual std::string add_layer_dir(const std::filesystem::path& dir) = 0;
  virtual const StageImage& stage_result(std::size_t index) const = 0;
  virtual StageImage image_named(const std::string& reference) = 0;
};

// A COPY's sources, selected and hashed before the cache is consulted.
struct PreparedCopy {
  std::vector<CopySource> sources;
  build::IgnoreMatcher ignore;      // the context's, or none for --from
  std::optional<TempDir> tree;      // --from: the source image's files
  std::optional<TempDir> heredocs;  // `COPY <<EOF`: the heredocs as files
  std::string content_hash;
};

PreparedCopy prepare_copy(StepHost& host, const StageImage& image, const build::Copy& copy,
                          const std::filesystem::path& context, const build::IgnoreMatcher& ignore);
// Returns the new layer's diff id.
std::string apply_copy(StepHost& host, const StageImage& image, const PreparedCopy& prepared,
                       const build::Copy& copy);

// What a RUN gets besides its command.
struct RunSetup {
  build::Vars args;  // build args in scope: they join its environment (the image's ENV wins)
  runtime::NetworkMode network = runtime::NetworkMode::None;  // None, Host or Bridge
  std::string network_name;                                   // Bridge: the lit network
  std::vector<runtime::Mount> mounts;                         // RUN --mount, not in the layer
  // Mount points the image lacked (made for mounts): removed from the layer when still empty.
  std::vector<std::string> mount_stubs;
  // Stages building in threads: the container starts from a child process,
  // its output lines through `output`.
  bool in_child = false;
  std::function<void(const std::string&)> output;
};

// Runs argv in a container on the image. Throws "exit code N: COMMAND" when it fails.
std::string run_in_container(StepHost& host, const StageImage& image,
                             const std::vector<std::string>& argv, const RunSetup& setup);

// WORKDIR's directory as a layer when the image lacks it; "" when present.
std::string workdir_layer(StepHost& host, const StageImage& image);

}  // namespace lit::image::builder
