#include "runtime/image/registry/http.hpp"

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>

#include <cctype>
#include <exception>
#include <mutex>

#include "runtime/util/error.hpp"

namespace lit::image {
namespace {

struct Curl {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  CURLcode (*setopt)(CURL*, CURLoption, ...);
  CURLcode (*perform)(CURL*);
  CURLcode (*getinfo)(CURL*, CURLINFO, ...);
  void (*cleanup)(CURL*);
  const char* (*strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

template <typename F>
void load(void* lib, const char* name, F& fn) {
  fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (fn == nullptr) throw Error("load libcurl", std::string("symbol ") + name + " missing");
}

const Curl& curl() {
  static Curl api;
  static std::once_flag once;
  std::call_once(once, [] {
    void* lib = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      throw Error("load libcurl", ::dlerror(), 0,
                  "install libcurl4 (Debian: apt-get install libcurl4) to pull images");
    }
    load(lib, "curl_global_init", api.global_init);
    load(lib, "curl_easy_init", api.easy_init);
    load(lib, "curl_easy_setopt", api.setopt);
    load(lib, "curl_easy_perform", api.perform);
    load(lib, "curl_easy_getinfo", api.getinfo);
    load(lib, "curl_easy_cleanup", api.cleanup);
    load(lib, "curl_easy_strerror", api.strerror);
    load(lib, "curl_slist_append", api.slist_append);
    load(lib, "curl_slist_free_all", api.slist_free_all);
    api.global_init(CURL_GLOBAL_DEFAULT);
  });
  return api;
}

struct Exchange {
  const HttpRequest* req;
  HttpResponse* resp;
  CURL* handle;
  std::exception_ptr source_error;
};

size_t on_read(char* buffer, size_t size, size_t n, void* ud) {
  auto* x = static_cast<Exchange*>(ud);
  try {
    return x->req->source(buffer, size * n);
  } catch (...) {
    x->source_error = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

size_t on_header(char* data, size_t size, size_t n, void* ud) {
  auto* x = static_cast<Exchange*>(ud);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {  // a new response (after a redirect or 100)
    x->resp->headers.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  x->resp->headers[name] = std::string(value);
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* ud) {
  auto* x = static_cast<Exchange*>(ud);
  long status = 0;
  curl().getinfo(x->handle, CURLINFO_RESPONSE_CODE, &status);
  std::string_view chunk(data, size * n);
  if (x->req->sink && status >= 200 && status < 300) {
    if (!x->req->sink(chunk, status)) {
      x->resp->aborted = true;
      return 0;
    }
    return chunk.size();
  }
  if (x->resp->body.size() + chunk.size() > x->req->max_body) {
    x->resp->aborted = true;
    return 0;
  }
  x->resp->body.append(chunk);
  return chunk.size();
}

void set_options(const Curl& c, CURL* h, const HttpRequest& req, Exchange& x, curl_slist* hdrs) {
  c.setopt(h, CURLOPT_URL, req.url.c_str());
  c.setopt(h, CURLOPT_NOSIGNAL, 1L);
  c.setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  c.setopt(h, CURLOPT_MAXREDIRS, 10L);
  c.setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  c.setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  c.setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
  c.setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);  // stalled for a minute: cut, then resumed
  c.setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
  c.setopt(h, CURLOPT_USERAGENT, "lit");
  c.setopt(h, CURLOPT_HTTPHEADER, hdrs);
  c.setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  c.setopt(h, CURLOPT_HEADERDATA, &x);
  c.setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  c.setopt(h, CURLOPT_WRITEDATA, &x);
  if (req.method == "HEAD")
    c.setopt(h, CURLOPT_NOBODY, 1L);
  else if (req.method != "GET")
    c.setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (req.has_body) {
    c.setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    c.setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.source) {
    c.setopt(h, CURLOPT_UPLOAD, 1L);
    c.setopt(h, CURLOPT_READFUNCTION, on_read);
    c.setopt(h, CURLOPT_READDATA, &x);
    c.setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.source_size));
  }
  if (req.resume_from > 0)
    c.setopt(h, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(req.resume_from));
}

}  // namespace

HttpResponse http_request(const HttpRequest& req) {
  const Curl& c = curl();
  HttpResponse resp;
  CURL* h = c.easy_init();
  if (h == nullptr) throw Error("initialize libcurl");
  curl_slist* hdrs = nullptr;
  for (const auto& line : req.headers) hdrs = c.slist_append(hdrs, line.c_str());
  Exchange x{&req, &resp, h, nullptr};
  set_options(c, h, req, x, hdrs);
  CURLcode rc = c.perform(h);
  char* url = nullptr;
  c.getinfo(h, CURLINFO_EFFECTIVE_URL, &url);
  resp.url = url ? url : req.url;
  if (rc == CURLE_OK) {
    c.getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  } else {
    resp.transport_error = static_cast<int>(rc);
    resp.error = c.strerror(rc);
  }
  c.slist_free_all(hdrs);
  c.cleanup(h);
  if (x.source_error) std::rethrow_exception(x.source_error);
  return resp;
}

bool transient_failure(const HttpResponse& r) {
  if (r.aborted) return false;
  switch (static_cast<CURLcode>(r.transport_error)) {
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

}  // namespace lit::image
