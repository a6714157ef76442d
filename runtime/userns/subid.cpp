#include "runtime/userns/subid.hpp"

#include <cerrno>
#include <charconv>
#include <limits>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

constexpr std::string_view kLineForm = "each line is NAME:START:COUNT, e.g. lit:100000:65536";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::uint64_t number(std::string_view field, const std::string& where, const char* name) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (field.empty() || ec != std::errc() || end != field.data() + field.size() ||
      v > std::numeric_limits<std::uint32_t>::max())
    throw Error(where + ": " + name + " \"" + std::string(field) + "\" is not a number", {}, 0,
                std::string(kLineForm));
  return v;
}

// NAME:START:COUNT; the range must fit below 2^32.
std::pair<std::string_view, SubidRange> parse_line(std::string_view line,
                                                   const std::string& where) {
  auto c1 = line.find(':');
  auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
  if (c2 == std::string_view::npos || line.find(':', c2 + 1) != std::string_view::npos || c1 == 0)
    throw Error(where + ": malformed line \"" + std::string(line) + "\"", {}, 0,
                std::string(kLineForm));
  std::uint64_t start = number(line.substr(c1 + 1, c2 - c1 - 1), where, "start");
  std::uint64_t count = number(line.substr(c2 + 1), where, "count");
  if (count == 0 || start + count - 1 > std::numeric_limits<std::uint32_t>::max())
    throw Error(where + ": the range " + std::to_string(start) + "+" + std::to_string(count) +
                    " is empty or goes past 4294967295",
                {}, 0, std::string(kLineForm));
  return {line.substr(0, c1),
          {static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(count)}};
}

}  // namespace

std::vector<SubidRange> parse_subid(std::string_view text, const std::string& file,
                                    std::string_view user) {
  std::vector<SubidRange> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto [name, range] = parse_line(line, file + ":" + std::to_string(line_no));
    if (name == user) out.push_back(range);
  }
  return out;
}

std::vector<SubidRange> read_subid(const fs::path& file, std::string_view user) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return {};
  return parse_subid(read_file(file), file.string(), user);
}

}  // namespace lit::runtime
