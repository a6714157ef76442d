#pragma once
// The tar lit writes around whole images and bundles (`image save`, `bundle
// create`): regular files only, mtime 0, owner 0:0, mode 0644, so the same
// content gives the same bytes; optionally compressed (gzip or zstd).
#include <archive.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/image/layer_tar.hpp"

namespace lit::image {

enum class TarCompression { none, gzip, zstd };

class OuterTar {
 public:
  // `what` starts the message of a failure ("save images", "bundle create").
  OuterTar(const TarSink& sink, std::string what,
           TarCompression compression = TarCompression::none);
  OuterTar(const OuterTar&) = delete;
  OuterTar& operator=(const OuterTar&) = delete;

  void file(const std::string& name, std::string_view content);
  // A layer regenerated from its directory; it must be the tar measured before.
  void layer(const std::string& name, const std::filesystem::path& dir,
             const LayerTarDigest& expected);
  void close();

 private:
  struct WriteFree {
    void operator()(archive* a) const { archive_write_free(a); }
  };
  void header(const std::string& name, std::uint64_t size);
  static la_ssize_t write_cb(archive*, void* self, const void* buf, size_t n);
  [[noreturn]] void fail(const std::string& what);

  const TarSink& sink_;
  std::string what_;
  std::unique_ptr<archive, WriteFree> a_;
  std::exception_ptr error_;
};

// Writes what `write` produces into `file`, replaced atomically: a failure
// leaves no file (and the previous one, if any, as it was).
void write_file_from(const std::filesystem::path& file,
                     const std::function<void(const TarSink&)>& write);

}  // namespace lit::image
