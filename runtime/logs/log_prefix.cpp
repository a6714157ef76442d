#include "runtime/logs/log_prefix.hpp"

#include <algorithm>
#include <array>

#include "runtime/shim/log_time.hpp"

namespace lit::runtime {

std::string_view prefix_color(std::size_t index) {
  static constexpr std::array<std::string_view, 10> kRainbow = {
      "36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1"};
  return kRainbow[index % kRainbow.size()];
}

std::string colored(std::string_view text, std::string_view color) {
  if (color.empty()) return std::string(text);
  std::string out = "\033[";
  out.append(color).append("m").append(text).append("\033[0m");
  return out;
}

std::string log_prefix(std::string_view name, std::size_t width) {
  std::string out(name);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out + " | ";
}

PrefixedLogFormatter::PrefixedLogFormatter(std::vector<std::string> names, LogStyle style)
    : style_(style) {
  for (const auto& n : names) width_ = std::max(width_, n.size());
  ++width_;
  for (auto& n : names) add(std::move(n));
}

std::size_t PrefixedLogFormatter::add(std::string name) {
  width_ = std::max(width_, name.size() + 1);
  Source s;
  s.name = std::move(name);
  if (style_.color) s.color = prefix_color(sources_.size());
  if (style_.prefix) s.prefix = colored(log_prefix(s.name, width_), s.color);
  sources_.push_back(std::move(s));
  return sources_.size() - 1;
}

std::string PrefixedLogFormatter::line(const Source& s, int64_t time_ns,
                                       std::string_view text) const {
  std::string out = s.prefix;
  if (style_.timestamps) {
    char ts[40];
    out.append(ts, shim::format_rfc3339_nano(time_ns, ts));
    out += ' ';
  }
  out.append(text);
  return out;
}

std::string PrefixedLogFormatter::format(const SourcedEntry& e) {
  Source& s = sources_.at(e.source);
  if (e.entry.partial()) {
    if (s.pending.empty()) s.pending_time_ns = e.entry.time_ns;
    s.pending += e.entry.text;
    return "";
  }
  if (s.pending.empty()) return line(s, e.entry.time_ns, e.entry.text);
  std::string whole = std::move(s.pending) + e.entry.text;
  s.pending.clear();
  return line(s, s.pending_time_ns, whole);
}

std::string PrefixedLogFormatter::finish(std::size_t source) {
  Source& s = sources_.at(source);
  if (s.pending.empty()) return "";
  std::string out = line(s, s.pending_time_ns, s.pending) + "\n";
  s.pending.clear();
  return out;
}

std::string PrefixedLogFormatter::status(std::size_t source, std::string_view message) const {
  const Source& s = sources_.at(source);
  std::string text = s.name;
  text.append(" ").append(message);
  return colored(text, s.color) + "\n";
}

}  // namespace lit::runtime
