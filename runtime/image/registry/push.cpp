#include "runtime/image/registry/push.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "runtime/image/digest.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/registry/client.hpp"
#include "runtime/image/registry/layer_blob.hpp"
#include "runtime/image/save.hpp"
#include "runtime/image/state.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/io.hpp"

namespace lit::image {
namespace fs = std::filesystem;
namespace {

using nlohmann::ordered_json;

void emit(const PushOptions& o, PushEvent::Kind kind, const std::string& layer,
          std::uint64_t current = 0, std::uint64_t total = 0, std::string message = {}) {
  if (o.progress) o.progress(PushEvent{kind, layer, current, total, std::move(message)});
}

// One layer to push: its directory and the blob measured from it.
struct PushLayer {
  fs::path dir;
  LayerBlob blob;
};

// What is pushed: the regenerated layers and the config that lists them.
struct Prepared {
  std::string config;
  std::vector<PushLayer> layers;  // in image order, without repeats
  std::vector<std::string> diff_ids;
  std::string mount_from;  // another repository of the destination registry
};

Prepared prepare(const fs::path& root, const std::string& source, const Reference& dest) {
  const std::string id = resolve_save(root, {source}).front().id;
  const StoreState st = load_state(root / "state.json");
  const ImageRecord& rec = st.images.at(id);
  Prepared p{read_file(blob_path(root, id)), {}, {}, {}};
  for (const auto& d : rec.diff_ids) {
    const fs::path dir = layer_path(root, d) / "diff";
    auto same = std::ranges::find(p.layers, dir, &PushLayer::dir);
    LayerBlob blob = same != p.layers.end() ? same->blob : write_layer_blob(dir, nullptr);
    if (same == p.layers.end()) p.layers.push_back({dir, blob});
    p.diff_ids.push_back(blob.diff_id);
  }
  p.config = config_with_diff_ids(p.config, p.diff_ids, "image " + id);
  for (const auto& tag : st.tags_of(id)) {
    try {
      Reference r = parse_reference(tag);
      if (r.domain == dest.domain && r.path != dest.path) {
        p.mount_from = r.path;
        break;
      }
    } catch (const Error&) {  // a stored tag that does not parse: no mount source
    }
  }
  return p;
}

// Writes a whole chunk to the uploader's socket; throws once it stopped reading.
void send_all(int fd, std::string_view chunk) {
  while (!chunk.empty()) {
    ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error::sys("stream layer", "upload", errno);
    chunk.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The second pass: the blob regenerated in a thread and read by curl as it sends.
void upload_layer(RegistryClient& client, const std::string& url, const PushLayer& layer,
                  const PushOptions& o) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    throw Error::sys("socketpair", "layer " + layer.blob.digest, errno);
  UniqueFd reader(sv[0]), writer(sv[1]);
  std::optional<LayerBlob> written;
  std::exception_ptr write_error;
  std::thread producer([&] {
    try {
      written = write_layer_blob(layer.dir, [&](std::string_view d) { send_all(writer.get(), d); });
    } catch (...) {
      write_error = std::current_exception();
    }
    writer.reset();  // end of the body
  });
  std::uint64_t sent = 0;
  std::exception_ptr upload_error;
  try {
    client.finish_upload(url, layer.blob.digest, layer.blob.size, [&](char* buf, std::size_t n) {
      ssize_t got;
      do got = ::read(reader.get(), buf, n);
      while (got < 0 && errno == EINTR);
      if (got < 0) throw Error::sys("stream layer", layer.blob.digest, errno);
      sent += static_cast<std::uint64_t>(got);
      emit(o, PushEvent::Kind::Pushing, layer.blob.digest, sent, layer.blob.size);
      return static_cast<std::size_t>(got);
    });
  } catch (...) {
    upload_error = std::current_exception();
  }
  reader.reset();  // a producer still writing stops at its next write
  producer.join();
  if (write_error) std::rethrow_exception(write_error);
  if (upload_error) std::rethrow_exception(upload_error);
  if (written->digest != layer.blob.digest) {
    throw Error("push layer", layer.dir.string() + ": it changed while being pushed (" +
                                  layer.blob.digest + ", then " + written->digest + ")");
  }
}

void push_layer(RegistryClient& client, const PushLayer& layer, const std::string& mount_from,
                const PushOptions& o) {
  const std::string& digest = layer.blob.digest;
  if (client.has_blob(digest)) {
    emit(o, PushEvent::Kind::Exists, digest);
    return;
  }
  const std::string url = client.start_upload(digest, mount_from);
  if (url.empty()) {
    emit(o, PushEvent::Kind::Mounted, digest, 0, 0, mount_from);
    return;
  }
  upload_layer(client, url, layer, o);
  emit(o, PushEvent::Kind::Pushed, digest);
}

bool insecure(const PushOptions& o, const std::string& domain) {
  const std::string key = registry_key(domain);
  return std::ranges::any_of(o.insecure_registries,
                             [&](const std::string& r) { return registry_key(r) == key; });
}

PushResult push(const fs::path& root, const std::string& source, const Reference& dest,
                const PushOptions& o) {
  if (!dest.digest.empty() || dest.tag.empty())
    throw Error("push by digest is not supported", "", 0, "name a tag: NAME:TAG");
  Prepared p = prepare(root, source, dest);
  for (const auto& l : p.layers) emit(o, PushEvent::Kind::Preparing, l.blob.digest);
  RegistryClient client(dest.domain, dest.path, find_credential(o.auth, dest.domain),
                        insecure(o, dest.domain));
  client.enable_push(p.mount_from);
  std::vector<Descriptor> layers;
  for (const auto& d : p.diff_ids) {
    auto l = std::ranges::find(p.layers, d, [](const PushLayer& x) { return x.blob.diff_id; });
    layers.push_back({"", l->blob.digest, l->blob.size, {}});
  }
  for (const auto& l : p.layers) push_layer(client, l, p.mount_from, o);
  const Descriptor config{"", sha256_digest(p.config), p.config.size(), {}};
  client.push_small_blob(config.digest, p.config);
  const std::string manifest = make_push_manifest(o.format, config, layers);
  const std::string media =
      std::string(o.format == ManifestFormat::oci ? kOciManifest : kDockerManifest);
  PushResult r{dest.name(), dest.tag, client.put_manifest(dest.tag, manifest, media),
               manifest.size()};
  return r;
}

}  // namespace

ManifestFormat parse_manifest_format(const std::string& name) {
  if (name == "v2s2" || name == "docker") return ManifestFormat::docker_v2s2;
  if (name == "oci") return ManifestFormat::oci;
  throw Error("unknown manifest format:", "\"" + name + "\"", 0, "use --format v2s2 or oci");
}

std::string make_push_manifest(ManifestFormat format, const Descriptor& config,
                               const std::vector<Descriptor>& layers) {
  const bool oci = format == ManifestFormat::oci;
  ordered_json m;
  m["schemaVersion"] = 2;
  m["mediaType"] = oci ? kOciManifest : kDockerManifest;
  m["config"] = {{"mediaType", oci ? kOciConfig : kDockerConfig},
                 {"size", config.size},
                 {"digest", config.digest}};
  m["layers"] = ordered_json::array();
  for (const auto& l : layers) {
    m["layers"].push_back({{"mediaType", oci ? kOciLayerGzip : kDockerLayerGzip},
                           {"size", l.size},
                           {"digest", l.digest}});
  }
  return m.dump();
}

PushResult push_image(const fs::path& root, const std::string& source,
                      const std::string& destination, const PushOptions& options) {
  const std::string target = destination.empty() ? source : destination;
  Reference dest = parse_reference(target);
  try {
    return push(root, source, dest, options);
  } catch (Error& e) {
    throw e.context("push " + dest.str());  // the full reference names the registry
  }
}

}  // namespace lit::image
