#include "runtime/image/layer_content.hpp"

#include <exception>

#include "runtime/image/layer_tar.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {
namespace fs = std::filesystem;

std::string layer_content_digest(const fs::path& diff_dir, const std::atomic<bool>* cancel) {
  TarSink stop;
  if (cancel) {
    stop = [cancel, &diff_dir](std::string_view) {
      if (cancel->load(std::memory_order_relaxed))
        throw Error("hash layer", diff_dir.string() + ": cancelled");
    };
  }
  return write_layer_tar(diff_dir, stop).diff_id;
}

LayerHasher::~LayerHasher() {
  cancel_ = true;
  {
    std::lock_guard lock(mu_);
    queue_.clear();
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LayerHasher::add(const std::string& diff_id, const fs::path& diff_dir) {
  std::lock_guard lock(mu_);
  queue_.emplace_back(diff_id, diff_dir);
  if (!thread_.joinable()) thread_ = std::thread(&LayerHasher::run, this);
  cv_.notify_one();
}

std::map<std::string, LayerHasher::Outcome> LayerHasher::finish() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  closing_ = false;  // a later add() starts a new thread
  return std::exchange(done_, {});
}

void LayerHasher::run() {
  for (;;) {
    std::pair<std::string, fs::path> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Outcome out;
    try {
      out.content = layer_content_digest(job.second, &cancel_);
    } catch (const std::exception& e) {
      out.error = e.what();
    }
    std::lock_guard lock(mu_);
    done_[job.first] = std::move(out);
  }
}

}  // namespace lit::image
