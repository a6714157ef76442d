#include "runtime/image/registry/pull.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>

#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/layer_content.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/registry/client.hpp"
#include "runtime/image/registry/registry_config.hpp"
#include "runtime/image/state.hpp"
#include "runtime/image/transaction.hpp"
#include "runtime/image/unpack.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kProgressStep = 256u << 10;

struct Resolved {
  FetchedManifest fetched;
  Manifest manifest;
};

void emit(const PullOptions& o, PullEvent::Kind kind, const std::string& layer,
          std::uint64_t current = 0, std::uint64_t total = 0, std::string message = {}) {
  if (o.progress) o.progress(PullEvent{kind, layer, current, total, std::move(message)});
}

Resolved resolve_manifest(RegistryClient& client, const Reference& ref, const PullOptions& o) {
  const std::string what = "manifest of " + ref.familiar();
  Resolved r{client.manifest(ref.digest.empty() ? ref.tag : ref.digest), {}};
  r.manifest = parse_manifest(r.fetched.bytes, r.fetched.content_type, what);
  if (!r.manifest.is_index) return r;
  const Descriptor& d =
      select_platform(r.manifest, o.platform ? *o.platform : host_platform(), ref.familiar());
  r.fetched = client.manifest(d.digest);
  r.manifest = parse_manifest(r.fetched.bytes, r.fetched.content_type, what);
  if (r.manifest.is_index)
    throw Error("invalid manifest", what + ": an index inside an index is not supported");
  return r;
}

// Writes a whole chunk to the unpacker's socket; false once it has stopped reading.
bool send_all(int fd, std::string_view chunk) {
  while (!chunk.empty()) {
    ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    chunk.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// One layer: the download feeds a socket that the unpacker reads, so the
// bytes are hashed, decompressed and extracted as they arrive.
std::uint64_t fetch_layer(RegistryClient& client, const Descriptor& d, const std::string& diff_id,
                          const fs::path& dir, const PullOptions& o) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    throw Error::sys("socketpair", "layer " + d.digest, errno);
  UniqueFd reader(sv[0]), writer(sv[1]);
  std::optional<UnpackResult> unpacked;
  std::exception_ptr unpack_error, fetch_error;
  std::thread unpacker([&] {
    try {
      unpacked = unpack_layer(reader.get(), dir / "diff", "layer " + d.digest);
    } catch (...) {
      unpack_error = std::current_exception();
    }
    reader.reset();  // the download stops at its next write
  });
  bool unpacker_gone = false;
  std::uint64_t sent = 0, reported = 0;
  try {
    client.stream_blob(
        d,
        [&](std::string_view chunk) {
          if (!send_all(writer.get(), chunk)) return !(unpacker_gone = true);
          sent += chunk.size();
          if (sent - reported >= kProgressStep || sent == d.size) {
            reported = sent;
            emit(o, PullEvent::Kind::Downloading, d.digest, sent, d.size);
          }
          return true;
        },
        "layer");
  } catch (...) {
    fetch_error = std::current_exception();
  }
  writer.reset();  // end of stream for the unpacker
  unpacker.join();
  if (fetch_error && !(unpacker_gone && unpack_error)) std::rethrow_exception(fetch_error);
  if (unpack_error) std::rethrow_exception(unpack_error);
  emit(o, PullEvent::Kind::Verified, d.digest);
  if (unpacked->diff_id != diff_id) {
    throw Error("digest mismatch", "layer " + d.digest + " has diff_id " + unpacked->diff_id +
                                       " but the image config lists " + diff_id);
  }
  return unpacked->content_size;
}

struct LayerJob {
  std::size_t index;
  fs::path dir;
  std::uint64_t content_size = 0;
  std::string content;  // its content digest (layer_content.hpp); empty: the commit hashes it
};

// Runs the jobs, `parallel` at once; rethrows the first failure (by layer order).
void run_jobs(std::vector<LayerJob>& jobs, unsigned parallel,
              const std::function<void(LayerJob&)>& work) {
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(jobs.size());
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < jobs.size();) {
      if (failed) break;  // one layer failed: the pull fails, do not start more
      try {
        work(jobs[i]);
      } catch (...) {
        errors[i] = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> threads;
  const std::size_t n = std::min<std::size_t>(std::max(parallel, 1u), jobs.size());
  for (std::size_t t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

bool insecure(const PullOptions& o, const std::string& domain) {
  const std::string key = registry_key(domain);
  return std::ranges::any_of(o.insecure_registries,
                             [&](const std::string& r) { return registry_key(r) == key; });
}

// Runs `fn` with a client of each mirror of `domain`, then of `domain` itself,
// until one succeeds; a mirror's failure is logged (debug) and passed over.
template <typename F>
auto from_endpoints(const PullOptions& o, const std::string& domain, const std::string& repository,
                    F&& fn) {
  std::vector<std::pair<std::string, std::string>> endpoints;  // scheme, host
  if (auto it = o.mirrors.find(registry_key(domain)); it != o.mirrors.end())
    for (const auto& m : it->second) endpoints.push_back(split_mirror(m));
  for (const auto& [scheme, host] : endpoints) {
    RegistryClient mirror(host, repository, find_credential(o.auth, registry_key(host)),
                          insecure(o, host), scheme);
    try {
      return fn(mirror);
    } catch (const Error& e) {
      spdlog::debug("mirror {} of {}: {}", host, domain, e.what());
    }
  }
  RegistryClient origin(domain, repository, find_credential(o.auth, domain), insecure(o, domain));
  return fn(origin);
}

// The layers to fetch: those `has` does not know, each diff id once.
std::vector<LayerJob> plan_fetch(const Manifest& m, const std::vector<std::string>& diff_ids,
                                 const std::function<bool(const std::string&)>& has,
                                 const PullOptions& o) {
  std::vector<LayerJob> jobs;
  for (std::size_t i = 0; i < diff_ids.size(); ++i) {
    const bool earlier = std::find(diff_ids.begin(), diff_ids.begin() + static_cast<long>(i),
                                   diff_ids[i]) != diff_ids.begin() + static_cast<long>(i);
    if (has(diff_ids[i]) || earlier) {
      emit(o, PullEvent::Kind::Exists, m.layers[i].digest);
    } else {
      jobs.push_back({i, {}, 0, {}});
      emit(o, PullEvent::Kind::Waiting, m.layers[i].digest, 0, m.layers[i].size);
    }
  }
  return jobs;
}

void fetch(RegistryClient& client, const Resolved& r, const std::vector<std::string>& diff_ids,
           std::vector<LayerJob>& jobs, const std::function<fs::path()>& layer_dir,
           const PullOptions& o) {
  for (auto& job : jobs) job.dir = layer_dir();
  run_jobs(jobs, o.parallel, [&](LayerJob& job) {
    const Descriptor& d = r.manifest.layers[job.index];
    job.content_size = fetch_layer(client, d, diff_ids[job.index], job.dir, o);
    // Here, in parallel and without the store lock, rather than in the commit.
    try {
      job.content = layer_content_digest(job.dir / "diff");
    } catch (const Error& e) {
      spdlog::debug("layer {}: {}", d.digest, e.what());  // the commit tries again
    }
    emit(o, PullEvent::Kind::Complete, d.digest);
  });
}

// Layers are downloaded and unpacked into a staging directory of the pull's
// own, without the store lock, so pulls of several images overlap; the lock
// is taken only to commit. Under it, a layer another writer stored meanwhile
// is used and the pull's copy dropped (adopt_layer keeps the first); a layer
// the store had at the start but lost meanwhile (image rm) is fetched then.
PullResult pull(Store& store, const Reference& ref, const PullOptions& o, RegistryClient& client) {
  Resolved r = resolve_manifest(client, ref, o);
  emit(o, PullEvent::Kind::Resolved, "", 0, 0, r.fetched.digest);
  const std::string config = client.blob(r.manifest.config);
  const std::string what = "config " + r.manifest.config.digest;
  const std::vector<std::string> diff_ids = config_diff_ids(parse_config_blob(config, what), what);
  if (diff_ids.size() != r.manifest.layers.size()) {
    throw Error("invalid image", "config lists " + std::to_string(diff_ids.size()) +
                                     " layers but the manifest has " +
                                     std::to_string(r.manifest.layers.size()));
  }
  const std::string tag = ref.tag.empty() ? "" : tag_reference(ref.name() + ":" + ref.tag);
  const StoreState seen = load_state(store.root() / "state.json");  // replaced atomically
  std::vector<LayerJob> jobs = plan_fetch(
      r.manifest, diff_ids, [&](const std::string& d) { return seen.layers.contains(d); }, o);
  std::optional<UnlockedStaging> staging;
  if (!jobs.empty()) {
    staging.emplace(store.root());
    fetch(
        client, r, diff_ids, jobs, [&] { return staging->layer_dir(); }, o);
    staging->sync();  // before the lock: other writers do not wait for this pull's writeback
  }
  Transaction tx(store.root());
  for (const auto& job : jobs)
    tx.adopt_layer(diff_ids[job.index], job.dir, job.content_size, true, job.content);
  std::vector<LayerJob> late =
      plan_fetch(r.manifest, diff_ids, [&](const std::string& d) { return tx.has_layer(d); }, {});
  fetch(
      client, r, diff_ids, late, [&] { return tx.layer_dir(); }, o);
  for (const auto& job : late)
    tx.adopt_layer(diff_ids[job.index], job.dir, job.content_size, false, job.content);
  const std::string id = sha256_digest(config);
  const bool had = tx.state().images.contains(id);
  tx.add_pulled(config, r.fetched.bytes, r.fetched.digest, diff_ids, tag);
  tx.commit();
  return PullResult{store.resolve(id), r.fetched.digest, !had || !jobs.empty() || !late.empty()};
}

}  // namespace

PullResult pull_image(Store& store, const std::string& reference, const PullOptions& options) {
  Reference ref = parse_reference(reference);
  try {
    return from_endpoints(options, ref.domain, ref.path, [&](RegistryClient& client) {
      return pull(store, ref, options, client);
    });
  } catch (Error& e) {
    throw e.context("pull " + ref.familiar());
  }
}

std::string resolve_image(const std::string& reference, const PullOptions& options) {
  Reference ref = parse_reference(reference);
  try {
    return from_endpoints(options, ref.domain, ref.path, [&](RegistryClient& client) {
      return resolve_manifest(client, ref, options).fetched.digest;
    });
  } catch (Error& e) {
    throw e.context("pull " + ref.familiar());
  }
}

std::vector<std::string> list_tags(const std::string& name, const PullOptions& options) {
  Reference ref = parse_reference(name);
  try {
    return from_endpoints(options, ref.domain, ref.path,
                          [](RegistryClient& client) { return client.tags(); });
  } catch (Error& e) {
    throw e.context("list the tags of " + ref.familiar_name());
  }
}

}  // namespace lit::image
