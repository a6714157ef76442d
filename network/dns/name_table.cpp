#include "network/dns/name_table.hpp"

#include <algorithm>
#include <tuple>

#include "network/dns/config.hpp"
#include "network/dns/config_lines.hpp"

namespace lit::network::dns {

void NameTable::add(uint32_t listen, std::string_view name, uint32_t addr, uint32_t owner) {
  const auto offset = static_cast<uint32_t>(arena_.size());
  for (unsigned char c : name)
    arena_ += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  entries_.push_back({listen, addr, offset, static_cast<uint32_t>(name.size()), owner});
}

void NameTable::reserve(size_t entries, size_t name_bytes) {
  entries_.reserve(entries);
  arena_.reserve(name_bytes);
}

void NameTable::remove(uint32_t owner) {
  std::erase_if(entries_, [&](const Entry& e) {
    if (e.owner == owner) garbage_ += e.length;
    return e.owner == owner;
  });
}

void NameTable::seal() {
  if (garbage_ > 0 && garbage_ * 2 >= arena_.size()) {  // most of it is gone: copy the rest
    std::string live;
    live.reserve(arena_.size() - garbage_);
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return a.offset < b.offset; });
    for (Entry& e : entries_) {
      const auto offset = static_cast<uint32_t>(live.size());
      live += name_of(e);
      e.offset = offset;
    }
    arena_ = std::move(live);
    garbage_ = 0;
  }
  // The offset breaks ties: the order of the adds, without stable_sort's buffer.
  std::sort(entries_.begin(), entries_.end(), [this](const Entry& a, const Entry& b) {
    return std::tuple(a.listen, name_of(a), a.offset) < std::tuple(b.listen, name_of(b), b.offset);
  });
  // An address an owner repeats for a name goes (the first stays).
  size_t kept = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    bool repeated = false;
    for (size_t j = kept;
         j-- > 0 && entries_[j].listen == e.listen && name_of(entries_[j]) == name_of(e);)
      repeated = repeated || (entries_[j].addr == e.addr && entries_[j].owner == e.owner);
    if (repeated)
      garbage_ += e.length;
    else
      entries_[kept++] = e;
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
  auto it = std::lower_bound(scopes.begin(), scopes.end(), client,
                             [](const Scope& s, uint32_t c) { return s.client < c; });
  for (; it != scopes.end() && it->client == client; ++it) out.push_back(it->listen);
  return out;
}

namespace {

// The lines of one owner's text into the tables (unsealed).
void add_lines(ServerTables& t, uint32_t owner, std::string_view text) {
  each_config_line(
      text, [&](std::string_view kind, std::string_view a, std::string_view b, std::string_view d) {
        if (kind == "listen") {
          if (auto ip = parse_ipv4(a); ip && owner == 0) t.listen.push_back(*ip);
        } else if (kind == "upstream") {
          if (auto ip = parse_ipv4(a); ip && owner == 0) t.upstreams.push_back(*ip);
        } else if (kind == "name") {
          auto listen = parse_ipv4(a);
          auto addr = parse_ipv4(d);
          if (listen && addr && !b.empty()) t.names.add(*listen, b, *addr, owner);
        } else if (kind == "scope") {
          auto client = parse_ipv4(a);
          auto listen = parse_ipv4(b);
          if (client && listen) t.scopes.push_back({*client, *listen, owner});
        }
      });
}

}  // namespace

void ServerTables::remove(uint32_t owner) {
  if (owner == 0) {
    listen.clear();
    upstreams.clear();
  }
  names.remove(owner);
  std::erase_if(scopes, [&](const Scope& s) { return s.owner == owner; });
}

void ServerTables::update(uint32_t owner, std::string_view text) {
  remove(owner);
  add_lines(*this, owner, text);
}

void ServerTables::seal() {
  names.seal();
  std::stable_sort(scopes.begin(), scopes.end(),
                   [](const Scope& x, const Scope& y) { return x.client < y.client; });
}

ServerTables parse_server_tables(std::string_view text) {
  return parse_server_tables(std::span<const std::string_view>(&text, 1));
}

ServerTables parse_server_tables(std::span<const std::string_view> texts) {
  ServerTables t;
  // One allocation each, of the right size.
  size_t lines = 0, bytes = 0;
  for (std::string_view text : texts) {
    bytes += text.size();
    for (size_t at = text.find("name "); at != std::string_view::npos;
         at = text.find("name ", at + 5))
      lines += at == 0 || text[at - 1] == '\n';
  }
  t.names.reserve(lines, bytes / 2);
  for (std::string_view text : texts) add_lines(t, 0, text);
  t.seal();
  return t;
}

}  // namespace lit::network::dns
