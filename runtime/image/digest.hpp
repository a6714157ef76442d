#pragma once
// sha256 digests as OCI writes them ("sha256:<64 lowercase hex>"), computed
// incrementally with OpenSSL's EVP interface so large layers stream through.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lit::image {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, std::size_t size);
  // "sha256:<hex>"; the hasher is finished afterwards.
  std::string digest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string sha256_digest(std::string_view data);

// True for exactly "sha256:" followed by 64 lowercase hex digits.
bool is_sha256_digest(std::string_view s);
bool is_lower_hex(std::string_view s);

// The hex part of a valid digest; throws lit::Error naming `what` otherwise.
std::string digest_hex(std::string_view digest, std::string_view what);

}  // namespace lit::image
