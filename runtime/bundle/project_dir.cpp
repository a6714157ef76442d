#include "runtime/bundle/project_dir.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cerrno>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::bundle {
namespace fs = std::filesystem;

ProjectDirSwap::ProjectDirSwap(fs::path dir) : dir_(std::move(dir)) {
  if (dir_.filename().empty()) dir_ = dir_.parent_path();  // "dir/" names dir
  make_dirs(dir_.parent_path(), 0755);
  const std::string name = dir_.filename().string();
  lock_.emplace(dir_.parent_path() / ("." + name + ".lock"));
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_.parent_path(), ec))
    if (e.path().filename().string().starts_with("." + name + ".new-")) remove_tree(e.path());
  had_previous_ = fs::exists(fs::symlink_status(dir_, ec));
  if (had_previous_ && !fs::is_directory(fs::symlink_status(dir_, ec)))
    throw Error("write project files: " + dir_.string() + " is not a directory");
  std::string tmpl = (dir_.parent_path() / ("." + name + ".new-XXXXXX"));
  if (::mkdtemp(tmpl.data()) == nullptr) throw Error::sys("create", tmpl, errno);
  other_ = tmpl;
  ::chmod(other_.c_str(), 0755);
}

void ProjectDirSwap::swap() {
  const int rc =
      had_previous_ ? ::renameat2(AT_FDCWD, other_.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE)
                    : ::rename(other_.c_str(), dir_.c_str());
  if (rc < 0) throw Error::sys("replace project files", dir_.string(), errno);
  swapped_ = true;
}

void ProjectDirSwap::commit() {
  done_ = true;
  if (swapped_ && !had_previous_) return;
  remove_tree(other_);  // the previous version (or the unused new one)
}

void ProjectDirSwap::restore() {
  done_ = true;
  if (swapped_) {
    const int rc = had_previous_ ? ::renameat2(AT_FDCWD, other_.c_str(), AT_FDCWD, dir_.c_str(),
                                               RENAME_EXCHANGE)
                                 : ::rename(dir_.c_str(), other_.c_str());
    if (rc < 0) throw Error::sys("restore the previous project files", dir_.string(), errno);
  }
  remove_tree(other_);  // now the new version
}

ProjectDirSwap::~ProjectDirSwap() {
  if (done_) return;
  try {
    restore();
  } catch (const Error& e) {
    spdlog::warn("{}", e.what());
  }
}

void write_files(const VerifiedBundle& bundle, const fs::path& into) {
  for (const auto& f : bundle.manifest.files) {
    const fs::path to = into / f.path;  // checked: relative, no "..", in a directory made here
    make_dirs(to.parent_path(), 0755);
    write_file_atomic(to, read_file(bundle.entry(file_entry(f.path)).path), f.mode);
  }
}

}  // namespace lit::bundle
