#include "runtime/image/builder/copy.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "runtime/image/digest.hpp"
#include "runtime/rootfs/overlay_xattr.hpp"
#include "runtime/util/dir_io.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image::builder {

namespace fs = std::filesystem;
using build::IgnoreMatcher;

namespace {

bool has_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string child_rel(const std::string& parent, const std::string& name) {
  return parent.empty() || parent == "." ? name : parent + "/" + name;
}

std::vector<std::string> sorted_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct stat lstat_or_throw(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) < 0) throw Error::sys("stat", p.string(), errno);
  return st;
}

bool whiteout(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0;
}

bool opaque(const fs::path& dir) { return is_overlay_opaque(dir); }

void hash_tree(Sha256& h, const fs::path& path, const std::string& rel,
               const IgnoreMatcher& ignore) {
  struct stat st = lstat_or_throw(path);
  std::string head = rel + "\n" + std::to_string(st.st_mode) + "\n";
  h.update(head.data(), head.size());
  if (S_ISLNK(st.st_mode)) {
    std::string target = fs::read_symlink(path).string();
    h.update(target.data(), target.size());
  } else if (S_ISREG(st.st_mode)) {
    std::string content = read_file(path);
    std::string d = sha256_digest(content);
    h.update(d.data(), d.size());
  } else if (S_ISDIR(st.st_mode)) {
    for (const auto& name : sorted_names(path)) {
      std::string r = child_rel(rel, name);
      if (!ignore.excluded(r)) hash_tree(h, path / name, r, ignore);
    }
  }
}

void set_meta(const fs::path& p, const struct stat& st, const CopyOptions& o, bool is_link) {
  uid_t uid = o.uid.value_or(0);
  gid_t gid = o.gid.value_or(o.uid ? gid_t(*o.uid) : 0);
  if (::lchown(p.c_str(), uid, gid) < 0) throw Error::sys("chown", p.string(), errno);
  if (!is_link) {
    unsigned mode = o.mode.value_or(st.st_mode & 07777);
    if (::chmod(p.c_str(), mode) < 0) throw Error::sys("chmod", p.string(), errno);
  }
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

// fs::copy_file reports a short copy (a full disk) as an I/O error naming
// both paths; this says what failed (ENOSPC with its hint) and names `what`.
void copy_file(const fs::path& src, const fs::path& dst, const std::string& what) {
  UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in) throw Error::sys("open", src.string(), errno);
  UniqueFd out(::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!out) throw Error::sys("create", what, errno);
  copy_bytes(in.get(), out.get(), what);
}

void copy_tree(const fs::path& src, const fs::path& dst, const std::string& rel,
               const IgnoreMatcher& ignore, const CopyOptions& o) {
  struct stat st = lstat_or_throw(src);
  std::error_code ec;
  if (S_ISDIR(st.st_mode)) {
    if (!fs::is_directory(fs::symlink_status(dst, ec))) {
      fs::remove(dst, ec);
      if (::mkdir(dst.c_str(), 0755) < 0) throw Error::sys("mkdir", dst.string(), errno);
    }
    for (const auto& name : sorted_names(src)) {
      std::string r = child_rel(rel, name);
      if (!ignore.excluded(r)) copy_tree(src / name, dst / name, r, ignore, o);
    }
  } else if (S_ISLNK(st.st_mode)) {
    fs::remove_all(dst, ec);
    fs::create_symlink(fs::read_symlink(src), dst);
  } else if (S_ISREG(st.st_mode)) {
    fs::remove_all(dst, ec);
    copy_file(src, dst, rel.empty() ? src.filename().string() : rel);
  } else {
    return;  // sockets, devices and FIFOs of a context are not copied
  }
  set_meta(dst, st, o, S_ISLNK(st.st_mode));
}

// The top-most entry for `rel` in layers (bottom first), whiteouts and opaque directories honored.
std::optional<fs::path> lookup(const std::vector<fs::path>& layers, const std::string& rel) {
  fs::path relative(rel);
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    fs::path candidate = *it / relative;
    std::error_code ec;
    if (fs::exists(fs::symlink_status(candidate, ec))) {
      if (whiteout(candidate)) return std::nullopt;
      return candidate;
    }
    fs::path dir = *it;
    for (const auto& part : relative) {
      if (whiteout(dir / part)) return std::nullopt;
      dir /= part;
    }
    for (fs::path p = relative.parent_path(); !p.empty(); p = p.parent_path())
      if (opaque(*it / p)) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::vector<CopySource> select_sources(const fs::path& root,
                                       const std::vector<std::string>& sources,
                                       const IgnoreMatcher& ignore) {
  std::vector<CopySource> out;
  for (const auto& s : sources) {
    std::string rel = build::clean_path(s);
    while (rel.starts_with("/")) rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    if (rel == ".." || rel.starts_with("../"))
      throw Error("COPY " + s + ": the source is outside the build context");
    std::size_t before = out.size();
    if (!has_glob(rel)) {
      std::error_code ec;
      if (fs::exists(fs::symlink_status(root / rel, ec)) && (rel == "." || !ignore.excluded(rel)))
        out.push_back({rel == "." ? root : root / rel, rel == "." ? "" : rel});
    } else {
      for (auto it = fs::recursive_directory_iterator(root);
           it != fs::recursive_directory_iterator(); ++it) {
        std::string r = fs::relative(it->path(), root).string();
        if (it->is_directory() && ignore.skip_directory(r)) it.disable_recursion_pending();
        if (::fnmatch(rel.c_str(), r.c_str(), FNM_PATHNAME) == 0 && !ignore.excluded(r))
          out.push_back({it->path(), r});
      }
      std::sort(out.begin() + long(before), out.end(),
                [](const CopySource& a, const CopySource& b) { return a.relative < b.relative; });
    }
    if (out.size() == before)
      throw Error("COPY " + s + ": not found in the build context (or excluded by .dockerignore)");
  }
  return out;
}

std::string hash_sources(const std::vector<CopySource>& sources, const IgnoreMatcher& ignore) {
  Sha256 h;
  for (const auto& s : sources) hash_tree(h, s.path, s.relative, ignore);
  return h.digest();
}

bool is_dir_in_layers(const std::vector<fs::path>& layers, const std::string& path) {
  std::string rel = path;
  while (rel.starts_with("/")) rel.erase(0, 1);
  if (rel.empty()) return true;
  auto p = lookup(layers, rel);
  std::error_code ec;
  return p && fs::is_directory(*p, ec);
}

void make_parents(const fs::path& layer, const std::string& relative,
                  const std::vector<fs::path>& lower) {
  fs::path rel(relative);
  fs::path prefix;
  for (auto it = rel.begin(); it != rel.end() && std::next(it) != rel.end(); ++it) {
    prefix /= *it;
    fs::path here = layer / prefix;
    std::error_code ec;
    if (fs::exists(fs::symlink_status(here, ec))) continue;
    if (::mkdir(here.c_str(), 0755) < 0) throw Error::sys("mkdir", here.string(), errno);
    if (auto from = lookup(lower, prefix.string())) {
      struct stat st = lstat_or_throw(*from);
      if (S_ISDIR(st.st_mode)) {
        ::chown(here.c_str(), st.st_uid, st.st_gid);
        ::chmod(here.c_str(), st.st_mode & 07777);
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        ::utimensat(AT_FDCWD, here.c_str(), times, 0);
      }
    }
  }
}

void copy_into_layer(const std::vector<CopySource>& sources, const IgnoreMatcher& ignore,
                     const CopyOptions& o, const fs::path& layer,
                     const std::vector<fs::path>& lower) {
  std::string dest = o.dest;
  while (dest.starts_with("/")) dest.erase(0, 1);
  while (dest.ends_with("/")) dest.pop_back();
  for (const auto& s : sources) {
    struct stat st = lstat_or_throw(s.path);
    std::string target = dest;
    if (!S_ISDIR(st.st_mode) && o.dest_is_dir) target = child_rel(dest, s.path.filename().string());
    if (target.empty()) target = ".";
    make_parents(layer, target + "/x", lower);
    if (S_ISDIR(st.st_mode) && target != "." && !fs::exists(layer / target)) {
      make_parents(layer, target + "/x", lower);
    }
    if (S_ISDIR(st.st_mode)) {
      for (const auto& name : sorted_names(s.path)) {
        std::string r = child_rel(s.relative, name);
        if (!ignore.excluded(r)) copy_tree(s.path / name, layer / target / name, r, ignore, o);
      }
    } else {
      copy_tree(s.path, layer / target, s.relative, ignore, o);
    }
  }
}

namespace {

void merge_layer(const fs::path& src, const fs::path& dst) {
  struct stat st = lstat_or_throw(src);
  std::error_code ec;
  if (whiteout(src)) {
    fs::remove_all(dst, ec);
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    if (opaque(src) || !fs::is_directory(fs::symlink_status(dst, ec))) fs::remove_all(dst, ec);
    if (!fs::exists(fs::symlink_status(dst, ec)) && ::mkdir(dst.c_str(), 0755) < 0)
      throw Error::sys("mkdir", dst.string(), errno);
    for (const auto& name : sorted_names(src)) merge_layer(src / name, dst / name);
    ::chown(dst.c_str(), st.st_uid, st.st_gid);
    ::chmod(dst.c_str(), st.st_mode & 07777);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    ::utimensat(AT_FDCWD, dst.c_str(), times, 0);
    return;
  }
  CopyOptions keep;
  keep.uid = st.st_uid;
  keep.gid = st.st_gid;
  copy_tree(src, dst, "", IgnoreMatcher(), keep);
}

}  // namespace

void materialize(const std::vector<fs::path>& layers, const std::string& relative,
                 const fs::path& out) {
  std::string rel = relative;
  while (rel.starts_with("/")) rel.erase(0, 1);
  if (!lookup(layers, rel.empty() ? "." : rel) && !rel.empty())
    throw Error("COPY --from: " + relative + ": no such file or directory in the source image");
  make_dirs(rel.empty() ? out : (out / rel).parent_path());
  for (const auto& layer : layers) {
    fs::path src = rel.empty() ? layer : layer / rel;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(src, ec))) continue;
    merge_layer(src, rel.empty() ? out : out / rel);
  }
}

}  // namespace lit::image::builder
