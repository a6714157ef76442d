#pragma once
// The lines of lit's DNS config file (config.hpp) as up to four words each,
// for both its readers: lit's parse_config and lit-dns's tables
// (name_table.hpp). No iostreams, which would double the server's size.
#include <string_view>

namespace lit::network::dns {

template <typename F>
void each_config_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::string_view w[4];
    for (auto& word : w) {
      size_t start = line.find_first_not_of(" \t\r");
      if (start == std::string_view::npos) break;
      line.remove_prefix(start);
      size_t end = line.find_first_of(" \t\r");
      word = line.substr(0, end);
      line.remove_prefix(end == std::string_view::npos ? line.size() : end);
    }
    f(w[0], w[1], w[2], w[3]);
  }
}

}  // namespace lit::network::dns
