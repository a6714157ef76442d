#pragma once
// One repository on one registry, over the OCI distribution protocol:
// GET /v2/<name>/manifests/<ref> and /v2/<name>/blobs/<digest>, with the
// registry's auth: anonymous, a bearer token through the WWW-Authenticate
// challenge (cached per realm, service and scope until it expires, shared by
// every client in the process), or basic auth. Safe to use from several threads.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/image/registry/credentials.hpp"
#include "runtime/image/registry/http.hpp"
#include "runtime/image/registry/manifest.hpp"

namespace lit::image {

// The host lit talks to for a reference's domain ("docker.io" -> registry-1.docker.io).
std::string registry_host(std::string_view domain);
// localhost, 127.0.0.0/8 and ::1 (any port) may be reached over plain HTTP.
bool is_local_registry(std::string_view domain);

// Where an upload continues: `location` (a Location header: absolute, or
// relative to the request's URL as HTTP says) resolved against `request_url`,
// with "digest=<digest>" added to its query when `digest` is not empty.
std::string resolve_upload_url(const std::string& request_url, const std::string& location,
                               const std::string& digest = {});

struct FetchedManifest {
  std::string bytes, content_type, digest;  // digest: of the bytes
};

class RegistryClient {
 public:
  // `insecure`: plain HTTP (local registries always are). `scheme` ("http",
  // "https"), when set, is used whatever `insecure` says (a mirror written
  // with its scheme in lit's config).
  RegistryClient(std::string domain, std::string repository, std::optional<Credential> credential,
                 bool insecure = false, const std::string& scheme = {});

  const std::string& domain() const { return domain_; }

  // GET /v2/: the registry answers and takes the credentials (lit login).
  void ping();
  // By tag or digest; a digest reference is checked against the bytes.
  FetchedManifest manifest(const std::string& reference);
  // GET /v2/<name>/tags/list, following the pages (Link: <...>; rel="next").
  std::vector<std::string> tags();
  // A small blob (a config) into memory, checked against its digest.
  std::string blob(const Descriptor& d);
  // Streams a blob to `out` once, resuming a cut transfer with Range (a few
  // times); throws when its digest or size differ from the descriptor's.
  // `what` names the blob in errors ("layer", "config").
  void stream_blob(const Descriptor& d, const std::function<bool(std::string_view)>& out,
                   const std::string& what = "blob");

  // Pushing. From now on a token is asked for pull and push of the
  // repository, and pull of `mount_from` (another repository on the same
  // registry) when set, as docker asks for the scopes it needs.
  void enable_push(const std::string& mount_from = {});
  // HEAD /v2/<name>/blobs/<digest>: whether the registry has the blob.
  bool has_blob(const std::string& digest);
  // POST /v2/<name>/blobs/uploads/ (?mount=<digest>&from=<mount_from> when
  // `mount_from` is set): empty when the registry mounted the blob from
  // there, else the absolute URL to upload it to.
  std::string start_upload(const std::string& digest, const std::string& mount_from = {});
  // PUT <upload url>?digest=<digest>: the blob's `size` bytes from `source`,
  // streamed (read as curl sends them; see HttpRequest::source).
  void finish_upload(const std::string& upload_url, const std::string& digest, std::uint64_t size,
                     const std::function<std::size_t(char*, std::size_t)>& source);
  // A small blob (a config) in one POST + PUT, unless the registry has it.
  // Returns false when it was there already.
  bool push_small_blob(const std::string& digest, const std::string& bytes);
  // PUT /v2/<name>/manifests/<tag>; returns the manifest's digest.
  std::string put_manifest(const std::string& tag, const std::string& bytes,
                           std::string_view media_type);

 private:
  HttpResponse send(HttpRequest req, bool retry_auth = true);
  std::string default_scope() const;
  void authenticate(const HttpResponse& unauthorized);
  void check(const HttpResponse& r, const std::string& what) const;

  std::string domain_, repository_, base_;
  std::optional<Credential> credential_;
  bool push_ = false;
  std::string mount_from_;
  std::mutex mu_;
  std::string authorization_;  // "Authorization: ..." or empty
};

}  // namespace lit::image
