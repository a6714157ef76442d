#pragma once
// A stored layer's content digest: the sha256 of the tar write_layer_tar
// (layer_tar.hpp) regenerates from its unpacked files. For a layer lit made
// (build, commit, an image lit saved) that is its diff id; for one docker or
// a registry made it usually is not (other header fields, entry order), so it
// is recorded as the layer enters the store (StoreState::layer_content), and
// `lit system check` regenerates it to find files changed since.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace lit::image {

// `diff_dir`: a layer's "diff" directory. Throws lit::Error naming a file that
// cannot be read, or once `cancel` is set.
std::string layer_content_digest(const std::filesystem::path& diff_dir,
                                 const std::atomic<bool>* cancel = nullptr);

// Hashes layers one after another on a thread of its own while the caller
// goes on: a load unpacks its next layer meanwhile, so on two cores the
// hashing costs little of the load's time. Destroyed before finish(), it
// abandons what it has not hashed (a failed load).
class LayerHasher {
 public:
  struct Outcome {
    std::string content;  // the content digest, or empty and:
    std::string error;    // why the files could not be read back
  };

  LayerHasher() = default;
  ~LayerHasher();
  LayerHasher(const LayerHasher&) = delete;
  LayerHasher& operator=(const LayerHasher&) = delete;

  // Thread safe (a pull or build adopts layers from several threads).
  void add(const std::string& diff_id, const std::filesystem::path& diff_dir);
  // Waits for every layer added so far: diff id -> its outcome.
  std::map<std::string, Outcome> finish();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, std::filesystem::path>> queue_;
  std::map<std::string, Outcome> done_;
  bool closing_ = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace lit::image
