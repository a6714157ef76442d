#include "network/dns/name_table.hpp"

#include <algorithm>
#include <tuple>

#include "network/dns/config.hpp"
#include "network/dns/config_lines.hpp"

namespace lit::network::dns {

void NameTable::add(uint32_t listen, std::string_view name, uint32_t addr) {
  const auto offset = static_cast<uint32_t>(arena_.size());
  for (unsigned char c : name)
    arena_ += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  entries_.push_back({listen, addr, offset, static_cast<uint32_t>(name.size())});
}

void NameTable::reserve(size_t entries, size_t name_bytes) {
  entries_.reserve(entries);
  arena_.reserve(name_bytes);
}

void NameTable::seal() {
  // The offset breaks ties: the file's order, without stable_sort's buffer.
  std::sort(entries_.begin(), entries_.end(), [this](const Entry& a, const Entry& b) {
    return std::tuple(a.listen, name_of(a), a.offset) < std::tuple(b.listen, name_of(b), b.offset);
  });
  // A name's repeated address goes (the first stays, in file order).
  size_t kept = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    bool repeated = false;
    for (size_t j = kept;
         j-- > 0 && entries_[j].listen == e.listen && name_of(entries_[j]) == name_of(e);)
      repeated = repeated || entries_[j].addr == e.addr;
    if (!repeated) entries_[kept++] = e;
  }
  entries_.resize(kept);
}

std::pair<size_t, size_t> NameTable::find(uint32_t listen, std::string_view name) const {
  const auto key = std::tuple(listen, name);
  auto [lo, hi] =
      std::equal_range(entries_.begin(), entries_.end(), key, [this](const auto& a, const auto& b) {
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, Entry>)
          return std::tuple(a.listen, name_of(a)) < b;
        else
          return a < std::tuple(b.listen, name_of(b));
      });
  return {static_cast<size_t>(lo - entries_.begin()), static_cast<size_t>(hi - entries_.begin())};
}

std::vector<uint32_t> ServerTables::scopes_of(uint32_t client) const {
  std::vector<uint32_t> out;
  auto it =
      std::lower_bound(scopes.begin(), scopes.end(), std::pair<uint32_t, uint32_t>(client, 0));
  for (; it != scopes.end() && it->first == client; ++it) out.push_back(it->second);
  return out;
}

ServerTables parse_server_tables(std::string_view text) {
  return parse_server_tables(std::span<const std::string_view>(&text, 1));
}

ServerTables parse_server_tables(std::span<const std::string_view> texts) {
  ServerTables t;
  // One allocation each, of the right size: the server's heap is what the
  // largest reload needed.
  size_t lines = 0, bytes = 0;
  for (std::string_view text : texts) {
    bytes += text.size();
    for (size_t at = text.find("name "); at != std::string_view::npos;
         at = text.find("name ", at + 5))
      lines += at == 0 || text[at - 1] == '\n';
  }
  t.names.reserve(lines, bytes / 2);
  auto line = [&](std::string_view kind, std::string_view a, std::string_view b,
                  std::string_view d) {
    if (kind == "listen") {
      if (auto ip = parse_ipv4(a)) t.listen.push_back(*ip);
    } else if (kind == "upstream") {
      if (auto ip = parse_ipv4(a)) t.upstreams.push_back(*ip);
    } else if (kind == "name") {
      auto listen = parse_ipv4(a);
      auto addr = parse_ipv4(d);
      if (listen && addr && !b.empty()) t.names.add(*listen, b, *addr);
    } else if (kind == "scope") {
      auto client = parse_ipv4(a);
      auto listen = parse_ipv4(b);
      if (client && listen) t.scopes.emplace_back(*client, *listen);
    }
  };
  for (std::string_view text : texts) each_config_line(text, line);
  t.names.seal();
  std::stable_sort(t.scopes.begin(), t.scopes.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  return t;
}

}  // namespace lit::network::dns
