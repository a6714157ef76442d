#include "runtime/image/unpack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "runtime/image/digest.hpp"
#include "runtime/image/extract.hpp"
#include "runtime/rootless/session.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {
namespace {

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

// The decompressed stream, pulled from a "raw" reader (any filter), hashed as
// it is handed to the tar reader: one pass yields both the files and diff_id.
struct Decompressed {
  archive* raw = nullptr;
  Sha256 hash;
  std::uint64_t bytes = 0;
  std::vector<char> buf = std::vector<char>(1 << 16);
  std::string error;

  la_ssize_t pull(const void** out) {
    la_ssize_t n = archive_read_data(raw, buf.data(), buf.size());
    if (n < 0) {
      error = archive_error_string(raw) ? archive_error_string(raw) : "read error";
      return -1;
    }
    hash.update(buf.data(), static_cast<std::size_t>(n));
    bytes += static_cast<std::uint64_t>(n);
    *out = buf.data();
    return n;
  }
  void drain() {
    const void* p;
    while (pull(&p) > 0) {
    }
  }
};

la_ssize_t pull_cb(archive*, void* ud, const void** out) {
  return static_cast<Decompressed*>(ud)->pull(out);
}

ArchivePtr open_raw(int fd, std::string_view what) {
  ArchivePtr raw(archive_read_new(), archive_read_free);
  if (!raw) throw Error("allocate archive reader");
  archive_read_support_filter_all(raw.get());
  archive_read_support_format_raw(raw.get());
  archive_entry* e;
  if (archive_read_open_fd(raw.get(), fd, 1 << 16) != ARCHIVE_OK ||
      archive_read_next_header(raw.get(), &e) != ARCHIVE_OK) {
    const char* msg = archive_error_string(raw.get());
    throw Error("read " + std::string(what),
                std::string(": ") + (msg ? msg : "empty or unreadable stream"));
  }
  return raw;
}

UnpackResult finish_result(Decompressed& src, std::string_view what) {
  src.drain();  // padding after the end-of-archive marker is part of the diff_id
  if (!src.error.empty()) throw Error("read " + std::string(what), ": " + src.error);
  return UnpackResult{src.hash.digest(), src.bytes, 0};
}

}  // namespace

UnpackOptions UnpackOptions::defaults() {
  const bool root = ::geteuid() == 0;
  // Root of a rootless session owns the ids it maps, but may not make devices.
  return UnpackOptions{root && !rootless::active(), root, true};
}

UnpackResult digest_layer(int fd, std::string_view what) {
  ArchivePtr raw = open_raw(fd, what);
  Decompressed src;
  src.raw = raw.get();
  return finish_result(src, what);
}

UnpackResult unpack_layer(int fd, const std::filesystem::path& dest, std::string_view what,
                          const UnpackOptions& options) {
  UniqueFd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root) throw Error::sys("open layer directory", dest.string(), errno);
  ArchivePtr raw = open_raw(fd, what);
  Decompressed src;
  src.raw = raw.get();

  ArchivePtr tar(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(tar.get());
  archive_read_support_format_empty(tar.get());
  auto tar_error = [&](const std::string& doing) {
    std::string msg = !src.error.empty()                ? src.error
                      : archive_error_string(tar.get()) ? archive_error_string(tar.get())
                                                        : "unknown error";
    return Error("unpack " + std::string(what), doing + ": " + msg);
  };
  if (archive_read_open(tar.get(), &src, nullptr, pull_cb, nullptr) != ARCHIVE_OK) {
    throw tar_error("not a tar archive");
  }
  Extractor ex(root.get(), options, std::string(what));
  for (;;) {
    archive_entry* e;
    int r = archive_read_next_header(tar.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) throw tar_error("read tar header");
    ex.entry(tar.get(), e);
  }
  ex.finish();
  UnpackResult res = finish_result(src, what);
  res.content_size = ex.content_size();
  return res;
}

}  // namespace lit::image
