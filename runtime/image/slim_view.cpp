#include "runtime/image/slim_view.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "runtime/rootfs/overlay_xattr.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {
namespace fs = std::filesystem;
namespace {

// Removes `path`'s descendants from the view ("/a/..." sorts in ["/a/", "/a0")).
void erase_below(MergedView& view, const std::string& path) {
  view.erase(view.lower_bound(path + "/"), view.lower_bound(path + "0"));
}

void merge_layer(MergedView& view, const fs::path& layer) {
  std::error_code ec;
  fs::recursive_directory_iterator it(layer, fs::directory_options::none, ec), end;
  if (ec) throw Error::sys("read layer", layer.string(), ec.value());
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error::sys("read layer", layer.string(), ec.value());
    const fs::path& p = it->path();
    struct stat st {};
    if (::lstat(p.c_str(), &st) < 0) throw Error::sys("stat", p.string(), errno);
    const std::string path = "/" + p.lexically_relative(layer).string();
    if (S_ISCHR(st.st_mode) && st.st_rdev == 0) {  // a whiteout
      view.erase(path);
      erase_below(view, path);
      continue;
    }
    auto old = view.find(path);
    const bool was_dir = old != view.end() && old->second.type == S_IFDIR;
    if (!S_ISDIR(st.st_mode) || !was_dir || is_overlay_opaque(p)) erase_below(view, path);
    ViewEntry e{p, st.st_mode & S_IFMT, {}};
    if (S_ISLNK(st.st_mode)) {
      std::error_code lec;
      e.link = fs::read_symlink(p, lec).string();
      if (lec) throw Error::sys("read symlink", p.string(), lec.value());
    }
    view[path] = std::move(e);
  }
}

// "/a/./b/../c" -> "/a/c"; never above "/".
std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string c = path.substr(i, j - i);
    if (c == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!c.empty() && c != ".") {
      out.push_back(std::move(c));
    }
    i = j + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& comps, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += "/" + comps[i];
  return out;
}

// Resolves `path` in the view, adding every entry met to `kept` (symlinks,
// their targets, directories). Returns the resolved path, or "" when it ends
// outside the image (missing, a loop).
std::string resolve(const MergedView& view, const std::string& path, std::set<std::string>* kept) {
  std::vector<std::string> comps = components(path);
  std::string cur;
  for (int hops = 0; hops < 40;) {
    bool restarted = false;
    for (std::size_t i = 0; i < comps.size(); ++i) {
      const std::string next = cur + "/" + comps[i];
      auto it = view.find(next);
      if (it == view.end()) return "";
      if (kept) kept->insert(next);
      if (it->second.type == S_IFLNK) {
        const std::string& link = it->second.link;
        const std::string base = link.starts_with('/') ? link : cur + "/" + link;
        comps = components(base + join(comps, i + 1, comps.size()));
        cur.clear();
        ++hops;
        restarted = true;
        break;
      }
      if (it->second.type != S_IFDIR && i + 1 < comps.size()) return "";
      cur = next;
    }
    if (!restarted) return cur.empty() ? "/" : cur;
  }
  return "";
}

// The directories above `path` that the image has.
void keep_parents(const MergedView& view, const std::string& path, std::set<std::string>& kept) {
  std::vector<std::string> comps = components(path);
  std::string cur;
  for (std::size_t i = 0; i + 1 < comps.size(); ++i) {
    cur += "/" + comps[i];
    auto it = view.find(cur);
    if (it == view.end() || it->second.type != S_IFDIR) return;
    kept.insert(cur);
  }
}

}  // namespace

MergedView merged_view(const std::vector<fs::path>& layers) {
  MergedView view;
  for (const auto& layer : layers) merge_layer(view, layer);
  return view;
}

std::set<std::string> slim_closure(const MergedView& view, const std::set<std::string>& wanted) {
  std::set<std::string> kept;
  for (const auto& w : wanted) {
    keep_parents(view, w, kept);
    resolve(view, w, &kept);
  }
  for (const auto& [path, e] : view)
    if (e.type == S_IFDIR) kept.insert(path);
  for (const auto& [path, e] : view) {
    if (e.type != S_IFLNK || kept.contains(path)) continue;
    const std::string target = resolve(view, path, nullptr);
    if (target.empty())
      kept.insert(path);  // dangling in the image too (/etc/mtab -> /proc/mounts): no data
    else if (target != "/" && kept.contains(target))
      resolve(view, path, &kept);
  }
  return kept;
}

const std::vector<std::string>& essential_paths() {
  static const std::vector<std::string> paths = {
      "/etc/passwd",        "/etc/group",
      "/etc/shadow",        "/etc/gshadow",
      "/etc/nsswitch.conf", "/etc/hosts",
      "/etc/hostname",      "/etc/resolv.conf",
      "/etc/host.conf",     "/etc/services",
      "/etc/protocols",     "/etc/ld.so.cache",
      "/etc/ld.so.conf",    "/etc/localtime",
      "/etc/os-release",    "/etc/ssl/certs/ca-certificates.crt"};
  return paths;
}

}  // namespace lit::image
