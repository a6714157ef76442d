#include "runtime/lifecycle/commit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "runtime/image/build/words.hpp"
#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/layer_tar.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/image/store.hpp"
#include "runtime/image/transaction.hpp"
#include "runtime/image/unpack.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/io.hpp"

namespace lit::runtime {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

// A command as CMD/ENTRYPOINT take it: a JSON array, or the shell form.
json command_form(const std::string& args) {
  if (auto words = image::build::json_array(args)) return *words;
  return json::array({"/bin/sh", "-c", args});
}

// "K=V" replacing K in an env list, or appended.
void set_env(json& env, const std::string& kv) {
  if (!env.is_array()) env = json::array();
  std::string key = kv.substr(0, kv.find('='));
  for (auto& e : env) {
    if (e.get<std::string>().substr(0, e.get<std::string>().find('=')) == key) {
      e = kv;
      return;
    }
  }
  env.push_back(kv);
}

// K=V pairs (or the legacy "K V") of ENV and LABEL, quotes removed.
std::vector<std::pair<std::string, std::string>> pairs(const std::string& args) {
  std::vector<std::pair<std::string, std::string>> out;
  auto unquote = [](std::string s) {
    if (s.size() >= 2 && (s[0] == '"' || s[0] == '\'') && s.back() == s[0])
      s = s.substr(1, s.size() - 2);
    return s;
  };
  if (args.find('=') == std::string::npos) {
    auto sp = args.find(' ');
    if (sp != std::string::npos) out.emplace_back(args.substr(0, sp), args.substr(sp + 1));
    return out;
  }
  for (const auto& w : image::build::quoted_words(args, '\\')) {
    auto eq = w.find('=');
    if (eq == std::string::npos) throw Error("commit --change: expected K=V", w);
    out.emplace_back(w.substr(0, eq), unquote(w.substr(eq + 1)));
  }
  return out;
}

// One --change (docker commit -c), applied to the config's "config" object.
void apply_change(json& c, const std::string& change) {
  auto split = image::build::split_command(change);
  std::string what = image::build::upper(split.name);
  const std::string& a = split.args;
  if (what == "CMD") {
    c["Cmd"] = command_form(a);
  } else if (what == "ENTRYPOINT") {
    c["Entrypoint"] = command_form(a);
  } else if (what == "ENV") {
    for (const auto& [k, v] : pairs(a)) set_env(c["Env"], k + "=" + v);
  } else if (what == "LABEL") {
    for (const auto& [k, v] : pairs(a)) c["Labels"][k] = v;
  } else if (what == "WORKDIR") {
    c["WorkingDir"] = a;
  } else if (what == "USER") {
    c["User"] = a;
  } else if (what == "STOPSIGNAL") {
    c["StopSignal"] = a;
  } else if (what == "EXPOSE") {
    for (auto p : image::build::blank_words(a))
      c["ExposedPorts"][p.find('/') == std::string::npos ? p + "/tcp" : p] = json::object();
  } else {
    throw Error("commit --change: " + split.name + " is not supported", {}, 0,
                "docker commit takes CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, "
                "STOPSIGNAL");
  }
}

// The container's own settings over the image's: its environment, command
// (as Cmd after the image's entrypoint when it starts with it) and workdir.
void container_settings(json& c, const ContainerRecord& rec) {
  c["Env"] = rec.spec.process.env;
  std::vector<std::string> entry;
  if (c.contains("Entrypoint") && c["Entrypoint"].is_array())
    entry = c["Entrypoint"].get<std::vector<std::string>>();
  const auto& args = rec.args;
  if (args.size() >= entry.size() && std::equal(entry.begin(), entry.end(), args.begin())) {
    c["Cmd"] = std::vector<std::string>(args.begin() + static_cast<long>(entry.size()), args.end());
  } else {
    c["Entrypoint"] = nullptr;
    c["Cmd"] = args;
  }
  if (rec.spec.process.cwd != "/" || c.value("WorkingDir", "") != "")
    c["WorkingDir"] = rec.spec.process.cwd;
}

// The upper/ as a layer tar in an unnamed file under dir, at its start; a
// user-namespaced container's ids as it sees them.
UniqueFd layer_file(const fs::path& upper, const fs::path& dir, const UserNamespace& userns) {
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd) throw Error::sys("create a temporary file in", dir.string(), errno);
  std::optional<TempDir> empty;
  fs::path src = upper;
  std::error_code ec;
  if (!fs::is_directory(upper, ec)) {  // never started: an empty layer
    empty.emplace(dir, "commit-");
    src = empty->path();
  }
  const image::IdUnshift ids{userns.uid.host, userns.gid.host, userns.uid.size};
  image::write_layer_tar(
      src,
      [&](std::string_view bytes) {
        if (!write_all(fd.get(), bytes))
          throw Error::sys("write the layer of", upper.string(), errno);
      },
      ids);
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) throw Error::sys("rewind", upper.string(), errno);
  return fd;
}

// The base image's layer descriptors, from its manifest (as Transaction::add_layer reads them).
std::vector<image::LayerDescriptor> base_layers(const fs::path& root, const image::Image& base) {
  json manifest =
      json::parse(read_file(image::blob_path(root, base.manifest_digest)), nullptr, false);
  if (!manifest.is_object() || !manifest["layers"].is_array() ||
      manifest["layers"].size() != base.diff_ids.size())
    throw Error("invalid image manifest", base.id, 0, "remove the image and pull or load it again");
  std::vector<image::LayerDescriptor> layers;
  for (const auto& l : manifest["layers"])
    layers.push_back(
        {l.value("mediaType", ""), l.value("digest", ""), l.value("size", std::uint64_t{0})});
  return layers;
}

// The new config: the base's, the layer appended, the container's settings and the changes.
json commit_config(const fs::path& root, const image::Image& base, const ContainerRecord& rec,
                   const CommitRequest& request, const std::string& diff_id) {
  json cfg = image::parse_config_blob(read_file(image::blob_path(root, base.id)), "image config");
  std::string now = image::now_rfc3339();
  cfg["created"] = now;
  cfg["rootfs"]["diff_ids"].push_back(diff_id);
  json& c = cfg["config"];
  if (!c.is_object()) c = json::object();
  container_settings(c, rec);
  for (const auto& change : request.changes) apply_change(c, change);
  if (!request.author.empty()) cfg["author"] = request.author;
  std::string created_by;
  for (const auto& a : rec.args) created_by += (created_by.empty() ? "" : " ") + a;
  json entry = {{"created", now}, {"created_by", created_by}};
  if (!request.author.empty()) entry["author"] = request.author;
  if (!request.message.empty()) entry["comment"] = request.message;
  if (!cfg["history"].is_array()) cfg["history"] = json::array();
  cfg["history"].push_back(entry);
  return cfg;
}

}  // namespace

std::string commit_container(const Paths& paths, const ContainerRecord& rec,
                             const CommitRequest& request) {
  const fs::path root = paths.images();
  image::Image base = image::Store(root).resolve(rec.image_id);
  json probe = json::object();  // every change checked before anything is written
  for (const auto& change : request.changes) apply_change(probe, change);
  std::string tag = request.reference.empty() ? "" : image::tag_reference(request.reference);
  UniqueFd tar = layer_file(rec.spec.bundle / "upper", paths.root, rec.spec.userns);

  image::Transaction tx(root);
  fs::path dir = tx.layer_dir();
  image::UnpackResult layer = image::unpack_layer(tar.get(), dir / "diff", "container " + rec.name);
  tx.adopt_layer(layer.diff_id, dir, layer.content_size);
  const std::string config = commit_config(root, base, rec, request, layer.diff_id).dump();
  auto layers = base_layers(root, base);
  layers.push_back({"application/vnd.oci.image.layer.v1.tar", layer.diff_id, layer.tar_size});
  const std::string manifest = image::make_manifest(config, layers);
  std::vector<std::string> diff_ids = base.diff_ids;
  diff_ids.push_back(layer.diff_id);
  tx.add_pulled(config, manifest, image::sha256_digest(manifest), diff_ids, tag);
  tx.commit();
  return image::sha256_digest(config);
}

}  // namespace lit::runtime
