#include "runtime/image/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "runtime/image/digest.hpp"
#include "runtime/image/layer_fs.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {
namespace {

constexpr std::uint64_t kMaxJsonSize = 64u << 20;

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

// libarchive leaves the message unset on some failures (a corrupt gzip stream).
const char* message(archive* a) {
  const char* m = archive_error_string(a);
  return m ? m : "unknown error";
}

std::string normalize(std::string_view path, bool& ok) {
  std::vector<std::string> comps;
  ok = clean_entry_path(path, comps);
  return join_components(comps, comps.size());
}

StagedFile copy_entry(archive* a, const std::filesystem::path& to, const std::string& name,
                      const char* entry) {
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) throw Error::sys("create", to.string(), errno);
  Sha256 hash;
  StagedFile f{to, {}, 0};
  std::vector<char> buf(1 << 16);
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
    if (n == 0) break;
    if (n < 0) corrupt(name, std::string("reading ") + entry + ": " + message(a));
    hash.update(buf.data(), static_cast<std::size_t>(n));
    for (la_ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out.get(), buf.data() + off, static_cast<std::size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw Error::sys("write", to.string(), errno);
      off += w;
    }
    f.size += static_cast<std::uint64_t>(n);
  }
  f.digest = hash.digest();
  return f;
}

}  // namespace

void corrupt(const std::string& archive, const std::string& why) {
  throw Error("corrupt archive", archive + ": " + why);
}

ArchiveContents ArchiveContents::stage(int fd, std::string name, const std::filesystem::path& dir) {
  make_dirs(dir, 0700);
  ArchiveContents c;
  c.name_ = std::move(name);
  ArchivePtr a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK) {
    corrupt(c.name_, std::string("not a tar archive (") + message(a.get()) + ")");
  }
  for (int index = 0;; ++index) {
    archive_entry* e;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) corrupt(c.name_, message(a.get()));
    const char* raw = archive_entry_pathname(e);
    bool ok = raw != nullptr;
    std::string path = ok ? normalize(raw, ok) : "";
    if (!ok)
      corrupt(c.name_, std::string("entry \"") + (raw ? raw : "") + "\" escapes the archive");
    if (const char* hl = archive_entry_hardlink(e)) {
      c.links_[path] = normalize(hl, ok);
    } else if (archive_entry_filetype(e) == AE_IFLNK) {
      // Relative to the link's directory, as a path inside the archive.
      std::string parent = std::filesystem::path(path).parent_path().string();
      const char* target = archive_entry_symlink(e);
      std::string t = target ? target : "";
      c.links_[path] = normalize(t.starts_with('/') ? t : parent + "/" + t, ok);
    } else if (archive_entry_filetype(e) == AE_IFREG) {
      c.files_[path] = copy_entry(a.get(), dir / ("f" + std::to_string(index)), c.name_, raw);
    }
    if (!ok) corrupt(c.name_, std::string("link \"") + raw + "\" points outside the archive");
  }
  if (c.files_.empty()) corrupt(c.name_, "the archive is empty");
  return c;
}

const StagedFile* ArchiveContents::find(std::string_view path) const {
  bool ok;
  std::string p = normalize(path, ok);
  for (int hops = 0; ok && hops < 16; ++hops) {
    if (auto f = files_.find(p); f != files_.end()) return &f->second;
    auto l = links_.find(p);
    if (l == links_.end()) return nullptr;
    p = l->second;
  }
  return nullptr;
}

const StagedFile& ArchiveContents::get(std::string_view path, std::string_view what) const {
  const StagedFile* f = find(path);
  if (f == nullptr) corrupt(name_, "missing " + std::string(path) + " (" + std::string(what) + ")");
  return *f;
}

std::string ArchiveContents::read(std::string_view path, std::string_view what) const {
  const StagedFile& f = get(path, what);
  if (f.size > kMaxJsonSize)
    corrupt(name_, std::string(path) + " is too large for " + std::string(what));
  return read_file(f.path);
}

}  // namespace lit::image
