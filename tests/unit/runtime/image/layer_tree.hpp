#pragma once
// Test helper for layer_tar: a layer directory as comparable text (every
// entry's type, mode, owner, mtime, size, content, link target, device, the
// xattrs a layer keeps and whether it is opaque), and a tar's entry list.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "runtime/image/layer_tar.hpp"
#include "runtime/util/fs.hpp"

namespace lit::test {

inline std::string xattr_text(const std::filesystem::path& p) {
  std::string out;
  for (const char* name : {"user.note", "security.capability", "trusted.overlay.opaque"}) {
    char buf[256];
    ssize_t n = ::lgetxattr(p.c_str(), name, buf, sizeof buf);
    if (n >= 0) out += std::string(" ") + name + "=" + std::string(buf, static_cast<size_t>(n));
  }
  return out;
}

// path -> description; hard links show as the same inode number group.
inline std::map<std::string, std::string> layer_tree(const std::filesystem::path& root) {
  std::map<std::string, std::string> out;
  std::map<ino_t, std::string> first_path;
  for (auto it = std::filesystem::recursive_directory_iterator(root);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    const auto& p = it->path();
    struct stat st {};
    ::lstat(p.c_str(), &st);
    std::string rel = std::filesystem::relative(p, root).string();
    std::string d = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" +
                    std::to_string(st.st_gid) + " rdev=" + std::to_string(major(st.st_rdev)) + "," +
                    std::to_string(minor(st.st_rdev));
    if (!S_ISDIR(st.st_mode) && !S_ISCHR(st.st_mode)) d += " t=" + std::to_string(st.st_mtime);
    if (S_ISDIR(st.st_mode)) d += " t=" + std::to_string(st.st_mtime);
    if (S_ISREG(st.st_mode)) d += " data=" + lit::read_file(p);
    if (S_ISLNK(st.st_mode)) d += " -> " + std::filesystem::read_symlink(p).string();
    if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
      auto [f, fresh] = first_path.try_emplace(st.st_ino, rel);
      d += " link-of=" + f->second;
    }
    out[rel] = d + xattr_text(p);
  }
  return out;
}

inline std::string layer_tar_bytes(const std::filesystem::path& dir,
                                   image::LayerTarDigest* digest = nullptr) {
  std::string out;
  image::LayerTarDigest d = image::write_layer_tar(dir, [&](std::string_view b) { out.append(b); });
  if (digest) *digest = d;
  return out;
}

// "name" per entry, with " -> target" for hard links (h) and symlinks (s).
inline std::vector<std::string> tar_entries(const std::string& tar) {
  std::vector<std::string> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_open_memory(a, tar.data(), tar.size());
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string s = archive_entry_pathname(e);
    if (const char* h = archive_entry_hardlink(e)) s += " h-> " + std::string(h);
    if (const char* l = archive_entry_symlink(e)) s += " s-> " + std::string(l);
    out.push_back(s);
  }
  archive_read_free(a);
  return out;
}

}  // namespace lit::test
