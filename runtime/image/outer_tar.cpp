#include "runtime/image/outer_tar.hpp"

#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/io.hpp"

namespace lit::image {
namespace {

struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

}  // namespace

OuterTar::OuterTar(const TarSink& sink, std::string what, TarCompression compression)
    : sink_(sink), what_(std::move(what)), a_(archive_write_new()) {
  archive_write_set_format_pax_restricted(a_.get());
  int filter = ARCHIVE_OK;
  if (compression == TarCompression::gzip) filter = archive_write_add_filter_gzip(a_.get());
  if (compression == TarCompression::zstd) filter = archive_write_add_filter_zstd(a_.get());
  if (filter != ARCHIVE_OK) fail("compress");
  archive_write_set_bytes_in_last_block(a_.get(), 1);
  if (archive_write_open2(a_.get(), this, nullptr, &OuterTar::write_cb, nullptr, nullptr) !=
      ARCHIVE_OK)
    fail("open archive");
}

void OuterTar::file(const std::string& name, std::string_view content) {
  header(name, content.size());
  if (archive_write_data(a_.get(), content.data(), content.size()) < 0) fail("write " + name);
}

void OuterTar::layer(const std::string& name, const std::filesystem::path& dir,
                     const LayerTarDigest& expected) {
  header(name, expected.size);
  LayerTarDigest got = write_layer_tar(dir, [&](std::string_view d) {
    if (archive_write_data(a_.get(), d.data(), d.size()) < 0) fail("write " + name);
  });
  if (got.diff_id != expected.diff_id) {
    throw Error("save layer", dir.string() + ": it changed while being saved (" + expected.diff_id +
                                  ", then " + got.diff_id + ")");
  }
}

void OuterTar::close() {
  if (archive_write_close(a_.get()) != ARCHIVE_OK) fail("finish archive");
}

void OuterTar::header(const std::string& name, std::uint64_t size) {
  std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0644);
  archive_entry_set_mtime(e.get(), 0, 0);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
  if (archive_write_header(a_.get(), e.get()) < ARCHIVE_WARN) fail("write " + name);
}

la_ssize_t OuterTar::write_cb(archive*, void* self, const void* buf, size_t n) {
  auto* t = static_cast<OuterTar*>(self);
  try {
    t->sink_(std::string_view(static_cast<const char*>(buf), n));
    return static_cast<la_ssize_t>(n);
  } catch (...) {
    t->error_ = std::current_exception();
    return -1;
  }
}

void OuterTar::fail(const std::string& what) {
  if (error_) std::rethrow_exception(error_);
  const char* msg = archive_error_string(a_.get());
  throw Error(what_ + ": " + what, msg ? msg : "unknown error");
}

void write_file_from(const std::filesystem::path& file,
                     const std::function<void(const TarSink&)>& write) {
  std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  std::string tmp = (dir / ("." + file.filename().string() + ".XXXXXX")).string();
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) throw Error::sys("create", file.string(), errno);
  try {
    write([&](std::string_view d) {
      if (!write_all(fd.get(), d)) throw Error::sys("write", file.string(), errno);
    });
    const mode_t mask = ::umask(0);
    ::umask(mask);
    if (::fchmod(fd.get(), 0666 & ~mask) < 0 || ::fsync(fd.get()) < 0)
      throw Error::sys("write", file.string(), errno);
    if (::rename(tmp.c_str(), file.c_str()) < 0) throw Error::sys("create", file.string(), errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace lit::image
