#pragma once
// A blob's bytes handed on exactly once across retried transfers: a transfer
// cut midway is retried with "Range: bytes=N-" from the bytes already fed; a
// registry that answers 206 continues there, one that ignores the range (200)
// sends it all again and the first N bytes are skipped. The hash runs over
// what was fed, so the digest check covers every attempt.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "runtime/image/digest.hpp"

namespace lit::image {

class BlobFeed {
 public:
  // `size` is the descriptor's size: more bytes than that stop the transfer.
  BlobFeed(std::uint64_t size, std::function<bool(std::string_view)> out);

  std::uint64_t fed() const { return fed_; }
  bool complete() const { return fed_ == size_; }
  bool oversized() const { return oversized_; }
  // A new attempt asked for the bytes from fed() on.
  void begin_attempt() { received_ = 0; }
  // A chunk of the current attempt's body; false stops the transfer.
  bool take(std::string_view chunk, long status);
  // "sha256:<hex>" of everything fed; call once, at the end.
  std::string digest() { return hash_.digest(); }

 private:
  std::uint64_t size_;
  std::function<bool(std::string_view)> out_;
  Sha256 hash_;
  std::uint64_t fed_ = 0;
  std::uint64_t received_ = 0;  // bytes of this attempt's body
  std::uint64_t start_ = 0;     // offset of this attempt's first byte
  bool oversized_ = false;
};

}  // namespace lit::image
