#pragma once
// A small HTTP client over libcurl, which lit opens on first use (dlopen of
// libcurl.so.4) so that commands which never reach a registry do not pay for
// loading it and its TLS stack. HTTPS uses the system's CA store; redirects
// are followed (registries send blobs from other hosts; curl drops the
// Authorization header when the host changes).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lit::image {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::uint64_t resume_from = 0;     // > 0: sends "Range: bytes=N-"
  // Receives the body of a 2xx response with its status (others go to
  // HttpResponse::body); returning false aborts the transfer.
  std::function<bool(std::string_view chunk, long status)> sink;
  std::size_t max_body = 16u << 20;  // a larger in-memory body aborts the transfer
  // A request body (POST, PUT, PATCH): `body` when `has_body`, else, when
  // `source` is set, `source_size` bytes read from it as curl asks (it
  // returns how many it wrote into the buffer, 0 at the end; it may throw,
  // which aborts the transfer and is rethrown by http_request).
  bool has_body = false;
  std::string body{};
  std::function<std::size_t(char* buffer, std::size_t size)> source{};
  std::uint64_t source_size = 0;
};

struct HttpResponse {
  long status = 0;                             // 0 when the transfer failed
  std::map<std::string, std::string> headers;  // lowercase names, the final response's
  std::string body;
  std::string url;          // after redirects
  int transport_error = 0;  // CURLcode, 0 when the exchange completed
  std::string error;        // curl's message for transport_error
  bool aborted = false;     // the sink (or max_body) stopped it
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

// Performs one exchange. Never throws for HTTP or network failures (they are
// in the response); throws lit::Error when libcurl cannot be loaded.
HttpResponse http_request(const HttpRequest& request);

// True for transport failures worth retrying (a connection cut or timed out
// mid-transfer, as opposed to an unknown host or a TLS failure).
bool transient_failure(const HttpResponse& response);

}  // namespace lit::image
