#pragma once
// One writer's session on the store: holds the store-wide lock, stages new
// layers and blobs under tmp/, and makes them visible in commit() with one
// atomic write of state.json. Destroyed uncommitted, it removes everything it
// staged or moved into place, so a failed load leaves nothing behind.
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/image/formats.hpp"
#include "runtime/image/layer_content.hpp"
#include "runtime/image/state.hpp"
#include "runtime/image/unpack.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {

// Staging for a writer that works without the store lock (a pull downloads
// and unpacks its layers this way, then commits them with a Transaction): a
// directory under tmp/ that holds an flock on itself while its owner lives,
// so a transaction's clean-up of tmp/ leaves it alone, and removes it once
// its owner is gone (a crash).
class UnlockedStaging {
 public:
  explicit UnlockedStaging(const std::filesystem::path& root);
  UnlockedStaging(const UnlockedStaging&) = delete;
  UnlockedStaging& operator=(const UnlockedStaging&) = delete;
  const std::filesystem::path& path() const { return dir_->path(); }
  // A fresh directory for one layer, its "diff" subdirectory made; thread safe.
  std::filesystem::path layer_dir();
  // Its files to the disk (syncfs of the store's filesystem).
  void sync();

 private:
  UniqueFd fd_;                 // holds the flock; released after dir_ is removed
  std::optional<TempDir> dir_;  // destroyed first (members go in reverse order)
  std::mutex mu_;
  int seq_ = 0;
};

class Transaction {
 public:
  explicit Transaction(std::filesystem::path root);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // This transaction's staging directory under tmp/, made on first use.
  const std::filesystem::path& staging();

  // Verifies and stages one image from an archive (layers unpacked once).
  void add_image(const PendingImage& image, const std::string& archive_name);
  // A rootfs tarball as a one-layer image; returns its id. `tag` is normalized or empty.
  std::string add_rootfs(int fd, const std::string& name, const std::string& tag);
  // Image `base_id` plus one layer read from fd (a tar stream); returns the new
  // image's id. Its config is the base's with the layer appended, `created`
  // kept, so the same base and content always give the same id.
  std::string add_layer(const std::string& base_id, int fd, const std::string& name,
                        const std::string& tag);
  // A slim image of `base_id` (image/slim.hpp): its config with the one
  // layer read from fd as its rootfs, `created_by` as its history and
  // `labels` added; untagged. Returns its id.
  std::string add_slim(const std::string& base_id, int fd, const std::string& created_by,
                       const std::map<std::string, std::string>& labels);
  // Untags and/or deletes, committing itself; returns docker's lines.
  std::vector<std::string> remove(const std::string& reference, bool force,
                                  const std::function<bool(const std::string&)>& in_use);

  // For a pull: whether the store (or this transaction) has a layer already.
  bool has_layer(const std::string& diff_id) const;
  // A fresh staging directory for one layer, its "diff" subdirectory made;
  // safe to call from several threads (layers are fetched in parallel).
  std::filesystem::path layer_dir();
  // A layer unpacked into a layer_dir() (or an UnlockedStaging's), its diff_id
  // checked by the caller; `synced`: its files are on disk already (syncfs
  // done by the caller), so commit() need not sync the filesystem for it.
  // `content`: its content digest (layer_content.hpp) when the caller has it
  // already; empty: hashed here, in the background, before commit().
  void adopt_layer(const std::string& diff_id, const std::filesystem::path& dir,
                   std::uint64_t content_size, bool synced = false,
                   const std::string& content = {});
  // A pulled image: its config and the registry's manifest (whose digest
  // becomes the image's), its layers present or adopted; `tag` normalized or empty.
  void add_pulled(const std::string& config, const std::string& manifest,
                  const std::string& manifest_digest, const std::vector<std::string>& diff_ids,
                  const std::string& tag);

  void commit();

  // The index as staged, for store operations in files of their own (tag.cpp,
  // prune.cpp): what they change becomes visible at commit().
  StoreState& state() { return state_; }

 private:
  void collect_garbage();
  void ensure_layer(const StagedFile& file, const std::string& expected, const std::string& what,
                    const std::string& archive);
  std::filesystem::path new_layer_dir();
  UnpackResult stage_layer(int fd, const std::string& what);
  void put_blob(const std::string& digest, const std::string& content);
  void discard(const std::filesystem::path& path);
  void sync_new_layers();
  void record_content();

  std::filesystem::path root_;
  FileLock lock_;
  std::mutex staging_mu_;
  std::optional<TempDir> staging_;
  StoreState state_;
  StoreState loaded_;  // state_ as read: an unchanged index is not written again
  std::map<std::string, std::filesystem::path> new_layers_;  // diff id -> staged dir
  std::map<std::string, std::string> verified_;              // staged file -> its diff id
  std::map<std::string, std::string> new_blobs_;             // digest -> content
  std::vector<std::filesystem::path> installed_;             // moved into place, not yet committed
  std::set<std::string> synced_;  // new layers whose files are on disk already
  bool committed_ = false;
  int seq_ = 0;
  std::mutex seq_mu_;  // layer_dir() from parallel fetches
  // Content digests of new layers, made while the load goes on; last, so it
  // stops before the staging directory it reads is removed.
  LayerHasher hasher_;
};

}  // namespace lit::image
