#include "runtime/image/tree_tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "runtime/util/error.hpp"

namespace lit::image {
namespace fs = std::filesystem;
namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct DiskFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

class TarWriter {
 public:
  TarWriter(int fd, archive* disk) : a_(archive_write_new()), disk_(disk) {
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_in_last_block(a_.get(), 1);
    if (archive_write_open_fd(a_.get(), fd) != ARCHIVE_OK) fail("open temporary tar");
  }

  // One host path (lstat'ed, never followed) as `name` in the tar; directories recurse.
  void add(const fs::path& host, const std::string& name) {
    struct stat st {};
    if (::lstat(host.c_str(), &st) < 0) throw Error::sys("read copy source", host.string(), errno);
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
      return;  // sockets, devices: not copied
    std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_copy_sourcepath(e.get(), host.c_str());
    if (archive_read_disk_entry_from_file(disk_, e.get(), -1, &st) != ARCHIVE_OK)
      throw Error("read copy source", host.string() + ": " + archive_error_string(disk_));
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_mtime(e.get(), 0, 0);
    archive_entry_unset_atime(e.get());
    archive_entry_unset_ctime(e.get());
    archive_entry_unset_birthtime(e.get());
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    archive_entry_set_uname(e.get(), "");
    archive_entry_set_gname(e.get(), "");
    archive_entry_set_nlink(e.get(), 1);
    archive_entry_set_ino(e.get(), 0);
    archive_entry_set_dev(e.get(), 0);
    if (!S_ISREG(st.st_mode)) archive_entry_set_size(e.get(), 0);
    if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK) fail("write " + name);
    if (S_ISREG(st.st_mode)) copy_data(host, name);
    if (!S_ISDIR(st.st_mode)) return;
    std::vector<fs::path> children;
    for (const auto& c : fs::directory_iterator(host)) children.push_back(c.path());
    std::ranges::sort(children);
    for (const auto& c : children) add(c, name + "/" + c.filename().string());
  }

  void finish() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) fail("finish temporary tar");
  }

 private:
  void copy_data(const fs::path& host, const std::string& name) {
    UniqueFd in(::open(host.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!in) throw Error::sys("read copy source", host.string(), errno);
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(in.get(), buf, sizeof buf);
      if (n < 0) throw Error::sys("read copy source", host.string(), errno);
      if (n == 0) break;
      if (archive_write_data(a_.get(), buf, static_cast<size_t>(n)) < 0) fail("write " + name);
    }
  }

  [[noreturn]] void fail(const std::string& what) {
    throw Error(what, archive_error_string(a_.get()) ? archive_error_string(a_.get()) : "");
  }

  std::unique_ptr<archive, ArchiveFree> a_;
  archive* disk_;
};

// O_TMPFILE where the filesystem has it; else a named file unlinked at once.
UniqueFd unnamed_file(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (fd || (errno != EOPNOTSUPP && errno != EISDIR)) {
    if (!fd) throw Error::sys("create temporary tar in", dir.string(), errno);
    return fd;
  }
  std::string name = (dir / "tar-XXXXXX").string();
  fd = UniqueFd(::mkostemp(name.data(), O_CLOEXEC));
  if (!fd) throw Error::sys("create temporary tar in", dir.string(), errno);
  ::unlink(name.c_str());
  return fd;
}

}  // namespace

UniqueFd write_tree_tar(const std::vector<TreeCopy>& copies, const fs::path& tmp_dir) {
  for (const auto& c : copies) {  // every source checked before any work
    struct stat st {};
    if (::lstat(c.source.c_str(), &st) < 0)
      throw Error::sys("copy source", c.source.string(), errno);
  }
  make_dirs(tmp_dir, 0700);
  UniqueFd fd = unnamed_file(tmp_dir);
  std::unique_ptr<archive, DiskFree> disk(archive_read_disk_new());
  archive_read_disk_set_symlink_physical(disk.get());
  archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL |
                                                 ARCHIVE_READDISK_NO_FFLAGS |
                                                 ARCHIVE_READDISK_NO_SPARSE);
  TarWriter tar(fd.get(), disk.get());
  for (const auto& c : copies) {
    std::string name = fs::path(c.target).lexically_normal().relative_path().string();
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    struct stat st {};
    ::lstat(c.source.c_str(), &st);
    if (S_ISDIR(st.st_mode) &&
        name.empty()) {  // copy into "/": the contents, no entry for the root
      std::vector<fs::path> children;
      for (const auto& e : fs::directory_iterator(c.source)) children.push_back(e.path());
      std::ranges::sort(children);
      for (const auto& e : children) tar.add(e, e.filename().string());
    } else {
      tar.add(c.source, name);
    }
  }
  tar.finish();
  if (::lseek(fd.get(), 0, SEEK_SET) < 0)
    throw Error::sys("rewind temporary tar", tmp_dir.string(), errno);
  return fd;
}

}  // namespace lit::image
