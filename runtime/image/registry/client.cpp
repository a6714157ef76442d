#include "runtime/image/registry/client.hpp"

#include <arpa/inet.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "runtime/image/digest.hpp"
#include "runtime/image/registry/blob_feed.hpp"
#include "runtime/image/registry/challenge.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kAttempts = 4;  // a blob transfer cut midway is resumed this many times
const std::string kAccept = "Accept: " + std::string(kOciIndex) + ", " +
                            std::string(kDockerManifestList) + ", " + std::string(kOciManifest) +
                            ", " + std::string(kDockerManifest);

struct CachedToken {
  std::string token;
  Clock::time_point expires;
};
std::mutex token_mu;
std::map<std::string, CachedToken> token_cache;  // realm|service|scope|user -> token

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// "MANIFEST_UNKNOWN: manifest unknown" from a registry's error body, or "".
std::string registry_error(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array() || j["errors"].empty())
    return "";
  const auto& e = j["errors"][0];
  if (!e.is_object()) return "";
  std::string code = e.value("code", "");
  std::string message =
      e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
  return code + (message.empty() ? "" : ": " + message);
}

std::string basic_header(const Credential& c) {
  return "Authorization: Basic " + base64_encode(c.username + ":" + c.password);
}

}  // namespace

std::string resolve_upload_url(const std::string& request_url, const std::string& location,
                               const std::string& digest) {
  std::string url;
  const std::size_t scheme_end = request_url.find("://");
  const std::size_t host_end =
      scheme_end == std::string::npos ? 0 : request_url.find('/', scheme_end + 3);
  const std::string origin =
      host_end == std::string::npos ? request_url : request_url.substr(0, host_end);
  if (location.starts_with("http://") || location.starts_with("https://")) {
    url = location;
  } else if (location.starts_with("//")) {  // scheme-relative
    url = request_url.substr(0, scheme_end + 1) + location;
  } else if (location.starts_with("/")) {
    url = origin + location;
  } else {  // relative to the request's directory
    std::string path = request_url.substr(0, request_url.find('?'));
    url = path.substr(0, path.rfind('/') + 1) + location;
  }
  if (!digest.empty())
    url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") +
           url_encode(digest);
  return url;
}

std::string registry_host(std::string_view domain) {
  return domain == "docker.io" ? "registry-1.docker.io" : std::string(domain);
}

bool is_local_registry(std::string_view domain) {
  std::string_view host = domain;
  if (host.starts_with("[")) {
    host = host.substr(1, host.find(']') - 1);
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  in_addr v4{};
  const std::string h(host);
  const bool loopback_v4 =
      ::inet_pton(AF_INET, h.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
  return host == "localhost" || loopback_v4 || host == "::1";
}

RegistryClient::RegistryClient(std::string domain, std::string repository,
                               std::optional<Credential> credential, bool insecure,
                               const std::string& scheme)
    : domain_(std::move(domain)),
      repository_(std::move(repository)),
      credential_(std::move(credential)) {
  const bool plain = scheme.empty() ? insecure || is_local_registry(domain_) : scheme == "http";
  base_ = (plain ? "http://" : "https://") + registry_host(domain_) + "/v2/";
}

HttpResponse RegistryClient::send(HttpRequest req, bool retry_auth) {
  const std::size_t plain_headers = req.headers.size();
  for (int round = 0; round < 2; ++round) {
    req.headers.resize(plain_headers);
    {
      std::lock_guard lock(mu_);
      if (!authorization_.empty()) req.headers.push_back(authorization_);
    }
    HttpResponse r = http_request(req);
    if (r.status != 401 || round == 1 || !retry_auth) return r;
    authenticate(r);
  }
  return {};  // not reached
}

void RegistryClient::authenticate(const HttpResponse& unauthorized) {
  const std::vector<Challenge> challenges =
      parse_www_authenticate(unauthorized.header("www-authenticate"));
  for (const auto& c : challenges) {
    if (c.scheme == "basic" && credential_) {
      std::lock_guard lock(mu_);
      authorization_ = basic_header(*credential_);
      return;
    }
    if (c.scheme != "bearer" || c.param("realm").empty()) continue;
    const std::string scope =
        !push_ && c.params.contains("scope") ? c.param("scope") : default_scope();
    const std::string key = c.param("realm") + "|" + c.param("service") + "|" + scope + "|" +
                            (credential_ ? credential_->username : "");
    {
      std::lock_guard lock(token_mu);
      auto it = token_cache.find(key);
      if (it != token_cache.end() && it->second.expires > Clock::now()) {
        std::lock_guard mine(mu_);
        authorization_ = "Authorization: Bearer " + it->second.token;
        return;
      }
    }
    std::string url = c.param("realm");
    url += (url.find('?') == std::string::npos ? "?" : "&");
    if (!c.param("service").empty()) url += "service=" + url_encode(c.param("service")) + "&";
    for (std::size_t start = 0; start < scope.size();) {  // one scope= per scope
      std::size_t end = std::min(scope.find(' ', start), scope.size());
      url += "scope=" + url_encode(scope.substr(start, end - start)) + "&";
      start = end + 1;
    }
    if (url.back() == '&') url.pop_back();
    HttpRequest treq{"GET", url, {}, 0, nullptr, 1u << 20};
    if (credential_) treq.headers.push_back(basic_header(*credential_));
    HttpResponse tr = http_request(treq);
    check(tr, "token from " + c.param("realm"));
    nlohmann::json j = nlohmann::json::parse(tr.body, nullptr, false);
    std::string token;
    if (j.is_object()) {
      if (j.contains("token") && j["token"].is_string())
        token = j["token"];
      else if (j.contains("access_token") && j["access_token"].is_string())
        token = j["access_token"];
    }
    if (token.empty())
      throw Error("registry " + domain_ + ": the token server " + c.param("realm") +
                  " returned no token");
    long lifetime = j.contains("expires_in") && j["expires_in"].is_number_integer()
                        ? j["expires_in"].get<long>()
                        : 60;
    {
      std::lock_guard lock(token_mu);
      token_cache[key] = {token, Clock::now() + std::chrono::seconds(std::max(lifetime - 5, 0L))};
    }
    std::lock_guard mine(mu_);
    authorization_ = "Authorization: Bearer " + token;
    return;
  }
  if (!credential_ && std::ranges::any_of(challenges, [](auto& c) { return c.scheme == "basic"; }))
    return;  // basic auth without credentials: the retry's 401 says so
}

std::string RegistryClient::default_scope() const {
  if (repository_.empty()) return "";
  std::string scope = "repository:" + repository_ + (push_ ? ":pull,push" : ":pull");
  if (!mount_from_.empty() && mount_from_ != repository_)
    scope += " repository:" + mount_from_ + ":pull";
  return scope;
}

void RegistryClient::check(const HttpResponse& r, const std::string& what) const {
  if (r.transport_error != 0) {
    throw Error("registry " + domain_ + " is unreachable", "(" + r.error + ")", 0,
                "check the registry's address and that it is running; lit uses HTTPS except "
                "for localhost, 127.0.0.1 and registries named by --insecure-registry");
  }
  if (r.status >= 200 && r.status < 300) return;
  const std::string detail = registry_error(r.body);
  if (r.status == 401 || r.status == 403) {
    if (credential_) {
      throw Error("registry " + domain_ + " refused the credentials of " + credential_->username,
                  "(" + std::to_string(r.status) + (detail.empty() ? "" : " " + detail) + ")", 0,
                  "log in again with `lit login " + domain_ + "`");
    }
    throw Error("registry " + domain_ + " requires authentication",
                "(" + std::to_string(r.status) + (detail.empty() ? "" : " " + detail) + ")", 0,
                "log in with `lit login " + domain_ + "`");
  }
  if (r.status == 404) {
    throw Error(
        "not found in registry " + domain_, "(" + (detail.empty() ? what : detail) + ")", 0,
        "check the image's name and tag; a private repository needs `lit login " + domain_ + "`");
  }
  throw Error("registry " + domain_ + " answered " + std::to_string(r.status) + " for " + what,
              detail.empty() ? "" : "(" + detail + ")");
}

void RegistryClient::ping() { check(send({"GET", base_, {}, 0, nullptr}), "/v2/"); }

FetchedManifest RegistryClient::manifest(const std::string& reference) {
  HttpResponse r = send(
      {"GET", base_ + repository_ + "/manifests/" + reference, {kAccept}, 0, nullptr, 4u << 20});
  if (r.aborted) throw Error("registry " + domain_ + ": manifest " + reference + " is too large");
  check(r, "manifest " + reference);
  FetchedManifest m{std::move(r.body), r.header("content-type"), ""};
  m.digest = sha256_digest(m.bytes);
  if (is_sha256_digest(reference) && m.digest != reference) {
    throw Error("digest mismatch", "registry " + domain_ + " sent manifest " + reference +
                                       " with content digest " + m.digest);
  }
  return m;
}

std::vector<std::string> RegistryClient::tags() {
  constexpr int kMaxPages = 10000;
  const std::string what = "tags of " + repository_;
  std::string url = base_ + repository_ + "/tags/list";
  std::vector<std::string> all;
  for (int page = 0; page < kMaxPages && !url.empty(); ++page) {
    HttpResponse r = send({"GET", url, {"Accept: application/json"}, 0, nullptr, 4u << 20});
    if (r.aborted) throw Error("registry " + domain_ + ": the list of " + what + " is too large");
    check(r, what);
    std::vector<std::string> some = parse_tag_list(r.body, what + " from registry " + domain_);
    all.insert(all.end(), some.begin(), some.end());
    const std::string next = next_link(r.header("link"));
    url = next.empty() ? "" : resolve_upload_url(r.url.empty() ? url : r.url, next);
  }
  return all;
}

std::string RegistryClient::blob(const Descriptor& d) {
  std::string out;
  stream_blob(
      d,
      [&](std::string_view chunk) {
        out.append(chunk);
        return true;
      },
      "config");
  return out;
}

void RegistryClient::stream_blob(const Descriptor& d,
                                 const std::function<bool(std::string_view)>& out,
                                 const std::string& what) {
  BlobFeed feed(d.size, out);
  HttpRequest req{"GET", base_ + repository_ + "/blobs/" + d.digest, {}, 0, nullptr};
  req.sink = [&](std::string_view chunk, long status) { return feed.take(chunk, status); };
  HttpResponse r;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    req.resume_from = feed.fed();
    feed.begin_attempt();
    r = send(req);
    if (r.transport_error == 0 || !transient_failure(r) || feed.complete()) break;
  }
  const std::string named = what + " " + d.digest + " from registry " + domain_;
  if (feed.oversized())
    throw Error("size mismatch",
                named + " is larger than its " + std::to_string(d.size) + " bytes");
  if (r.aborted) throw Error(named + ": transfer stopped");
  check(r, what + " " + d.digest);
  if (!feed.complete()) {
    throw Error("size mismatch", named + ": received " + std::to_string(feed.fed()) + " of " +
                                     std::to_string(d.size) + " bytes");
  }
  const std::string actual = feed.digest();
  if (actual != d.digest) throw Error("digest mismatch", named + " has content digest " + actual);
}

void RegistryClient::enable_push(const std::string& mount_from) {
  std::lock_guard lock(mu_);
  push_ = true;
  mount_from_ = mount_from;
}

bool RegistryClient::has_blob(const std::string& digest) {
  HttpResponse r = send({"HEAD", base_ + repository_ + "/blobs/" + digest, {}, 0, nullptr});
  if (r.status == 404) return false;
  check(r, "blob " + digest);
  return true;
}

std::string RegistryClient::start_upload(const std::string& digest, const std::string& mount_from) {
  std::string url = base_ + repository_ + "/blobs/uploads/";
  if (!mount_from.empty())
    url += "?mount=" + url_encode(digest) + "&from=" + url_encode(mount_from);
  HttpRequest req{"POST", url, {"Content-Type: application/octet-stream"}, 0, nullptr};
  req.has_body = true;
  HttpResponse r = send(req);
  check(r, "upload of " + digest);
  if (r.status == 201 && !mount_from.empty()) return "";
  const std::string location = r.header("location");
  if (r.status != 202 || location.empty()) {
    throw Error("registry " + domain_ + " answered " + std::to_string(r.status) +
                " without an upload location for " + digest);
  }
  return resolve_upload_url(r.url.empty() ? url : r.url, location);
}

void RegistryClient::finish_upload(const std::string& upload_url, const std::string& digest,
                                   std::uint64_t size,
                                   const std::function<std::size_t(char*, std::size_t)>& source) {
  HttpRequest req{"PUT",
                  resolve_upload_url(upload_url, upload_url, digest),
                  {"Content-Type: application/octet-stream"},
                  0,
                  nullptr};
  req.source = source;
  req.source_size = size;
  // The body is streamed once: the POST before it has authenticated.
  HttpResponse r = send(req, false);
  check(r, "upload of " + digest);
}

bool RegistryClient::push_small_blob(const std::string& digest, const std::string& bytes) {
  if (has_blob(digest)) return false;
  const std::string url = start_upload(digest);
  HttpRequest req{"PUT",
                  resolve_upload_url(url, url, digest),
                  {"Content-Type: application/octet-stream"},
                  0,
                  nullptr};
  req.has_body = true;
  req.body = bytes;
  check(send(req), "upload of " + digest);
  return true;
}

std::string RegistryClient::put_manifest(const std::string& tag, const std::string& bytes,
                                         std::string_view media_type) {
  HttpRequest req{"PUT",
                  base_ + repository_ + "/manifests/" + tag,
                  {"Content-Type: " + std::string(media_type)},
                  0,
                  nullptr};
  req.has_body = true;
  req.body = bytes;
  HttpResponse r = send(req);
  check(r, "manifest " + tag);
  const std::string digest = sha256_digest(bytes);
  const std::string theirs = r.header("docker-content-digest");
  if (!theirs.empty() && theirs != digest) {
    throw Error("digest mismatch", "registry " + domain_ + " stored manifest " + tag + " as " +
                                       theirs + ", not " + digest);
  }
  return digest;
}

}  // namespace lit::image
