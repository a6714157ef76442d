// volumes: (named, anonymous, bind, tmpfs, image; short and long forms) and tmpfs:.
#include <filesystem>

#include "reconciler/load/normalize.hpp"
#include "reconciler/load/values.hpp"

namespace lit::reconciler::load {

namespace {

bool is_path(const std::string& s) {
  return !s.empty() && (s[0] == '/' || s[0] == '.' || s[0] == '~');
}

void check_target(const Node& n, const std::string& path, const std::string& target) {
  if (target.empty() || target[0] != '/')
    fail(n, path, "the container path must be absolute, got '" + target + "'");
}

void check_volume_declared(const Node& n, const std::string& path, const std::string& name,
                           const Project& project) {
  if (!project.volumes.count(name))
    fail(n, path, "volume '" + name + "' is not declared in the top-level volumes");
}

void short_volume(const Node& n, const std::string& path, Service& s, const Project& project,
                  NormContext& ctx) {
  std::string spec = as_string(n, path);
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (true) {
    std::size_t c = spec.find(':', pos);
    parts.push_back(spec.substr(pos, c == std::string::npos ? std::string::npos : c - pos));
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  if (parts.size() > 3 || parts[0].empty())
    fail(n, path, "expected [SOURCE:]TARGET[:MODE], got '" + spec + "'");
  Mount m;
  if (parts.size() == 1) {
    m.target = parts[0];  // anonymous volume
  } else {
    m.source = parts[0];
    m.target = parts[1];
    m.type = is_path(m.source) ? MountType::bind : MountType::volume;
  }
  check_target(n, path, m.target);
  if (parts.size() == 3) {
    std::size_t p = 0;
    std::string opts = parts[2];
    while (p <= opts.size()) {
      std::size_t comma = opts.find(',', p);
      std::string o = opts.substr(p, comma == std::string::npos ? std::string::npos : comma - p);
      if (o == "ro")
        m.read_only = true;
      else if (o == "rw")
        m.read_only = false;
      else if (o == "nocopy")
        m.volume_nocopy = true;
      else if (o == "z" || o == "Z" || o == "cached" || o == "delegated" || o == "consistent" ||
               o == "rprivate" || o == "private" || o == "rshared" || o == "shared" ||
               o == "rslave" || o == "slave")
        ctx.diag.warn(n.loc, path, "mount option '" + o + "' is not supported by lit, ignored");
      else
        fail(n, path, "unknown mount option '" + o + "' in '" + spec + "' (expected ro or rw)");
      if (comma == std::string::npos) break;
      p = comma + 1;
    }
  }
  if (m.type == MountType::bind)
    m.source = host_path(m.source, ctx);
  else if (!m.source.empty())
    check_volume_declared(n, path, m.source, project);
  s.volumes.push_back(m);
}

// The sub-options a long-form mount may carry (bind:, volume:, tmpfs:, image:).
void mount_options(const Entry& e, const std::string& p, Mount& m, NormContext& ctx) {
  if (e.key == "bind") {
    for (const auto& b : e.value.entries) {
      if (b.key == "create_host_path")
        m.create_host_path = as_bool(b.value, sub(p, b.key));
      else
        ctx.diag.unsupported(b.key_loc, sub(p, b.key));
    }
  } else if (e.key == "volume") {
    for (const auto& v : e.value.entries) {
      if (v.key == "nocopy")
        m.volume_nocopy = as_bool(v.value, sub(p, v.key));
      else
        ctx.diag.unsupported(v.key_loc, sub(p, v.key));
    }
  } else if (e.key == "tmpfs") {
    for (const auto& t : e.value.entries) {
      if (t.key == "size")
        m.tmpfs_size = as_bytes(t.value, sub(p, t.key));
      else if (t.key == "mode")
        m.tmpfs_mode = as_mode(t.value, sub(p, t.key));
      else
        ctx.diag.unsupported(t.key_loc, sub(p, t.key));
    }
  } else {  // image
    for (const auto& i : e.value.entries) {
      if (i.key == "subpath")
        m.image_subpath = as_string(i.value, sub(p, i.key));
      else
        ctx.diag.unsupported(i.key_loc, sub(p, i.key));
    }
  }
}

MountType mount_type(const Node& n, const std::string& path, const std::string& type) {
  if (type == "volume") return MountType::volume;
  if (type == "bind") return MountType::bind;
  if (type == "tmpfs") return MountType::tmpfs;
  if (type == "image") return MountType::image;
  if (type.empty()) fail(n, path, "type: required (volume, bind, tmpfs or image)");
  fail(*n.find("type"), sub(path, "type"),
       "expected volume, bind, tmpfs or image, got '" + type + "'");
}

// An image mount: its source is an image; only `image:` options apply, and a
// subpath stays inside the image.
void check_image_mount(const Node& n, const std::string& path, const Mount& m) {
  for (const char* other : {"bind", "volume", "tmpfs"})
    if (const Entry* e = n.find_entry(other))
      fail(e->key_loc, sub(path, other),
           std::string("not allowed on a mount of type image (") + other +
               " options are for type " + other + ")");
  if (m.source.empty()) fail(n, path, "source: required for an image mount (the image to mount)");
  if (m.image_subpath.empty()) return;
  const Node& at = *n.find("image")->find("subpath");
  const std::string p = sub(sub(path, "image"), "subpath");
  if (m.image_subpath[0] == '/')
    fail(at, p, "must be relative to the image's root, got '" + m.image_subpath + "'");
  const std::filesystem::path normal = std::filesystem::path(m.image_subpath).lexically_normal();
  if (!normal.empty() && *normal.begin() == "..")
    fail(at, p, "must stay inside the image, got '" + m.image_subpath + "'");
}

void long_volume(const Node& n, const std::string& path, Service& s, const Project& project,
                 NormContext& ctx) {
  Mount m;
  std::string type;
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "type")
      type = as_string(e.value, p);
    else if (e.key == "source")
      m.source = as_string(e.value, p);
    else if (e.key == "target")
      m.target = as_string(e.value, p);
    else if (e.key == "read_only")
      m.read_only = as_bool(e.value, p);
    else if (e.key == "consistency")
      as_string(e.value, p);
    else if (e.key == "image" && !e.value.is_map())
      fail(e.value, p, "expected a mapping (subpath: PATH), got " + kind_name(e.value));
    else if ((e.key == "bind" || e.key == "volume" || e.key == "tmpfs" || e.key == "image") &&
             e.value.is_map())
      mount_options(e, p, m, ctx);
    else
      ctx.diag.unsupported(e.key_loc, p);
  }
  m.type = mount_type(n, path, type);
  if (m.target.empty()) fail(n, path, "target: required");
  check_target(n, sub(path, "target"), m.target);
  if (m.type != MountType::image)
    if (const Entry* e = n.find_entry("image"))
      fail(e->key_loc, sub(path, "image"),
           "only for a mount of type image, this one is type " + type);
  if (m.type == MountType::bind) {
    if (m.source.empty()) fail(n, path, "source: required for a bind mount");
    m.source = host_path(m.source, ctx);
  } else if (m.type == MountType::volume && !m.source.empty()) {
    check_volume_declared(*n.find("source"), sub(path, "source"), m.source, project);
  } else if (m.type == MountType::tmpfs && !m.source.empty()) {
    fail(*n.find("source"), sub(path, "source"), "a tmpfs mount has no source");
  } else if (m.type == MountType::image) {
    check_image_mount(n, path, m);
  }
  s.volumes.push_back(m);
}

}  // namespace

void normalize_volumes(const Node& n, const std::string& path, Service& s, const Project& project,
                       NormContext& ctx) {
  if (n.is_null()) return;
  if (!n.is_seq()) fail(n, path, "expected a list of volumes, got " + kind_name(n));
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const Node& it = n.items[i];
    if (it.is_map())
      long_volume(it, idx(path, i), s, project, ctx);
    else
      short_volume(it, idx(path, i), s, project, ctx);
  }
}

// "/run" or "/run:size=64m,mode=1777" (docker's --tmpfs syntax).
void normalize_tmpfs(const Node& n, const std::string& path, Service& s) {
  if (n.is_null()) return;
  std::vector<std::string> items = as_string_list(n, path);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Node& at = n.is_seq() ? n.items[i] : n;
    std::string p = n.is_seq() ? idx(path, i) : path;
    Mount m;
    m.type = MountType::tmpfs;
    std::size_t colon = items[i].find(':');
    m.target = items[i].substr(0, colon);
    check_target(at, p, m.target);
    if (colon != std::string::npos) {
      std::string opts = items[i].substr(colon + 1);
      std::size_t pos = 0;
      while (pos <= opts.size()) {
        std::size_t comma = opts.find(',', pos);
        std::string o =
            opts.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        Node v = Node::scalar(o.substr(o.find('=') + 1), at.loc);
        if (o.rfind("size=", 0) == 0)
          m.tmpfs_size = as_bytes(v, p);
        else if (o.rfind("mode=", 0) == 0)
          m.tmpfs_mode = as_mode(v, p);
        else if (o == "ro")
          m.read_only = true;
        else if (o != "rw" && o != "noexec" && o != "nosuid" && o != "nodev" && o != "exec")
          fail(at, p, "unknown tmpfs option '" + o + "' (expected size=, mode=, ro)");
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    }
    s.volumes.push_back(m);
  }
}

std::string host_path(const std::string& p, NormContext& ctx) {
  namespace fs = std::filesystem;
  std::string s = p;
  if (s == "~" || s.rfind("~/", 0) == 0) {
    auto home = ctx.lookup("HOME");
    s = (home ? *home : std::string("/root")) + s.substr(1);
  }
  fs::path path(s);
  if (path.is_relative()) path = fs::path(ctx.project_dir) / path;
  std::string out = path.lexically_normal().string();
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace lit::reconciler::load
