#pragma once
// Test helper: builds tar archives in memory with libarchive's writer, so
// tests can craft exactly the entries they need (including malicious ones).
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lit::test {

// Entries directly in dir (0 when it does not exist): "nothing left in tmp/".
inline std::size_t count_entries(const std::filesystem::path& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); ++it)
    ++n;
  return n;
}

enum class Compression { none, gzip, zstd };

inline la_ssize_t append_cb(archive*, void* ud, const void* buf, size_t n) {
  static_cast<std::string*>(ud)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

inline void add_filter(archive* a, Compression c) {
  if (c == Compression::gzip) archive_write_add_filter_gzip(a);
  if (c == Compression::zstd) archive_write_add_filter_zstd(a);
}

// Compresses bytes as a bare stream (what a .tar.gz / .tar.zst is).
inline std::string compress(const std::string& data, Compression c) {
  if (c == Compression::none) return data;
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  add_filter(a, c);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(a, &out, nullptr, append_cb, nullptr);
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_pathname(e, "data");
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  archive_write_header(a, e);
  archive_write_data(a, data.data(), data.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

class TarBuilder {
 public:
  TarBuilder& file(const std::string& path, const std::string& content, mode_t mode = 0644,
                   int uid = 0, int gid = 0) {
    return add(path, AE_IFREG, mode, content, {}, uid, gid);
  }
  TarBuilder& dir(const std::string& path, mode_t mode = 0755) {
    return add(path, AE_IFDIR, mode, {}, {});
  }
  TarBuilder& symlink(const std::string& path, const std::string& target) {
    return add(path, AE_IFLNK, 0777, {},
               [target](archive_entry* e) { archive_entry_set_symlink(e, target.c_str()); });
  }
  TarBuilder& hardlink(const std::string& path, const std::string& target) {
    return add(path, AE_IFREG, 0644, {}, [target](archive_entry* e) {
      archive_entry_set_hardlink(e, target.c_str());
      archive_entry_set_size(e, 0);
    });
  }
  TarBuilder& device(const std::string& path, mode_t type, int major, int minor) {
    return add(path, type, 0600, {}, [=](archive_entry* e) {
      archive_entry_set_rdevmajor(e, static_cast<dev_t>(major));
      archive_entry_set_rdevminor(e, static_cast<dev_t>(minor));
    });
  }
  TarBuilder& fifo(const std::string& path) { return add(path, AE_IFIFO, 0644, {}, {}); }
  TarBuilder& xattr(const std::string& path, const std::string& content, const std::string& name,
                    const std::string& value) {
    return add(path, AE_IFREG, 0755, content, [=](archive_entry* e) {
      archive_entry_xattr_add_entry(e, name.c_str(), value.data(), value.size());
    });
  }

  std::string bytes(Compression c = Compression::none) const {
    std::string out;
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    add_filter(a, c);
    archive_write_open(a, &out, nullptr, append_cb, nullptr);
    for (const auto& en : entries_) {
      archive_entry* e = archive_entry_new();
      archive_entry_set_pathname(e, en.path.c_str());
      archive_entry_set_filetype(e, en.type);
      archive_entry_set_perm(e, en.mode);
      archive_entry_set_uid(e, en.uid);
      archive_entry_set_gid(e, en.gid);
      archive_entry_set_mtime(e, 1700000000, 0);
      archive_entry_set_size(e,
                             en.type == AE_IFREG ? static_cast<la_int64_t>(en.content.size()) : 0);
      if (en.extra) en.extra(e);
      if (archive_write_header(a, e) != ARCHIVE_OK)
        throw std::runtime_error(archive_error_string(a));
      if (!en.content.empty()) archive_write_data(a, en.content.data(), en.content.size());
      archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
  }

 private:
  struct Entry {
    std::string path;
    mode_t type, mode;
    std::string content;
    std::function<void(archive_entry*)> extra;
    int uid = 0, gid = 0;
  };
  TarBuilder& add(const std::string& path, mode_t type, mode_t mode, std::string content,
                  std::function<void(archive_entry*)> extra, int uid = 0, int gid = 0) {
    entries_.push_back({path, type, mode, std::move(content), std::move(extra), uid, gid});
    return *this;
  }
  std::vector<Entry> entries_;
};

inline void write_bytes(const std::filesystem::path& p, const std::string& data) {
  std::ofstream(p, std::ios::binary) << data;
}

}  // namespace lit::test
