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

#include "runtime/image/registry/credentials.hpp"
#include "runtime/image/registry/http.hpp"
#include "runtime/image/registry/manifest.hpp"

namespace lit::image {

// The host lit talks to for a reference's domain ("docker.io" -> registry-1.docker.io).
std::string registry_host(std::string_view domain);
// localhost, 127.0.0.0/8 and ::1 (any port) may be reached over plain HTTP.
bool is_local_registry(std::string_view domain);

struct FetchedManifest {
  std::string bytes, content_type, digest;  // digest: of the bytes
};

class RegistryClient {
 public:
  // `insecure`: plain HTTP (local registries always are).
  RegistryClient(std::string domain, std::string repository, std::optional<Credential> credential,
                 bool insecure = false);

  const std::string& domain() const { return domain_; }

  // GET /v2/: the registry answers and takes the credentials (lit login).
  void ping();
  // By tag or digest; a digest reference is checked against the bytes.
  FetchedManifest manifest(const std::string& reference);
  // A small blob (a config) into memory, checked against its digest.
  std::string blob(const Descriptor& d);
  // Streams a blob to `out` once, resuming a cut transfer with Range (a few
  // times); throws when its digest or size differ from the descriptor's.
  // `what` names the blob in errors ("layer", "config").
  void stream_blob(const Descriptor& d, const std::function<bool(std::string_view)>& out,
                   const std::string& what = "blob");

 private:
  HttpResponse send(HttpRequest req);
  void authenticate(const HttpResponse& unauthorized);
  void check(const HttpResponse& r, const std::string& what) const;

  std::string domain_, repository_, base_;
  std::optional<Credential> credential_;
  std::mutex mu_;
  std::string authorization_;  // "Authorization: ..." or empty
};

}  // namespace lit::image
