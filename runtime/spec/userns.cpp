#include "runtime/spec/userns.hpp"

#include <charconv>

#include "runtime/util/error.hpp"

namespace lit::runtime {

std::optional<std::uint32_t> to_host(const IdMapping& m, std::uint32_t id) {
  if (id < m.container || id - m.container >= m.size) return std::nullopt;
  return m.host + (id - m.container);
}

std::optional<std::uint32_t> to_container(const IdMapping& m, std::uint32_t host_id) {
  if (host_id < m.host || host_id - m.host >= m.size) return std::nullopt;
  return m.container + (host_id - m.host);
}

std::string id_map_line(const IdMapping& m) {
  return std::to_string(m.container) + " " + std::to_string(m.host) + " " + std::to_string(m.size) +
         "\n";
}

namespace {

Error bad_userns(std::string_view text, const std::string& what, const std::string& why) {
  return Error(what + " \"" + std::string(text) + "\": " + why, {}, 0,
               "use host, auto or auto:size=N (N from 1 to 4294967295)");
}

}  // namespace

UsernsRequest parse_userns(std::string_view text, const std::string& what) {
  if (text.empty() || text == "host") return {};
  if (text == "auto") return {UsernsRequest::Mode::Auto, 0};
  constexpr std::string_view kSize = "auto:size=";
  if (!text.starts_with(kSize)) throw bad_userns(text, what, "unknown user namespace mode");
  std::string_view n = text.substr(kSize.size());
  std::uint32_t size = 0;
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), size);
  if (n.empty() || ec != std::errc() || end != n.data() + n.size() || size == 0)
    throw bad_userns(text, what, "size must be a positive number of ids");
  return {UsernsRequest::Mode::Auto, size};
}

std::string userns_text(const UsernsRequest& r) {
  if (r.mode == UsernsRequest::Mode::Host) return "host";
  return r.size ? "auto:size=" + std::to_string(r.size) : "auto";
}

}  // namespace lit::runtime
