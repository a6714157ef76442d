#include "runtime/image/registry/blob_feed.hpp"

namespace lit::image {

BlobFeed::BlobFeed(std::uint64_t size, std::function<bool(std::string_view)> out)
    : size_(size), out_(std::move(out)) {}

bool BlobFeed::take(std::string_view chunk, long status) {
  if (received_ == 0) start_ = status == 206 ? fed_ : 0;
  const std::uint64_t offset = start_ + received_;  // of chunk's first byte in the blob
  received_ += chunk.size();
  if (offset + chunk.size() <= fed_) return true;  // already fed in an earlier attempt
  if (offset < fed_) chunk.remove_prefix(static_cast<std::size_t>(fed_ - offset));
  if (offset > fed_) return false;  // a gap: the registry answered a range we did not ask for
  if (fed_ + chunk.size() > size_) {
    oversized_ = true;
    return false;
  }
  hash_.update(chunk.data(), chunk.size());
  fed_ += chunk.size();
  return out_(chunk);
}

}  // namespace lit::image
