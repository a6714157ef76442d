#pragma once
// What lit-dns serves, read from the config file (config.hpp) into flat sorted
// arrays: one entry of 16 bytes per (network, name, address) and the names'
// bytes in one string, instead of a map node, a string and a vector per name.
// With 250 containers (1500 names) the tables take ~60 kB, not ~600, and a
// reload builds them without a node allocation per name; lit-dns stays under
// 1 MB RSS (issue 22).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lit::network::dns {

class NameTable {
 public:
  // Room for this many entries and bytes of names, before the adds.
  void reserve(size_t entries, size_t name_bytes);
  // Names are matched without regard to case (stored lowercased).
  void add(uint32_t listen, std::string_view name, uint32_t addr);
  // Sorts by (listen, name), keeping the file's order of a name's addresses,
  // and drops repeated addresses. Call once, after the last add.
  void seal();
  // The entries of `name` on `listen`: [first, last), empty when none. The
  // first index names the group (for rotating replicas).
  std::pair<size_t, size_t> find(uint32_t listen, std::string_view name) const;
  uint32_t address(size_t i) const { return entries_[i].addr; }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint32_t listen, addr, offset, length;
  };
  std::string_view name_of(const Entry& e) const { return {arena_.data() + e.offset, e.length}; }
  std::string arena_;
  std::vector<Entry> entries_;
};

struct ServerTables {
  std::vector<uint32_t> listen;     // IPv4, host byte order
  std::vector<uint32_t> upstreams;  // IPv4, host byte order, port 53
  NameTable names;
  std::vector<std::pair<uint32_t, uint32_t>> scopes;  // (client, further listen), sorted

  // The further listen addresses whose names `client` sees, in order.
  std::vector<uint32_t> scopes_of(uint32_t client) const;
};

// Lines it does not understand are skipped, as parse_config does.
ServerTables parse_server_tables(std::string_view text);
// The tables of several files at once: the config and each running
// container's names (network/dns_service.hpp), as if they were one text.
ServerTables parse_server_tables(std::span<const std::string_view> texts);

}  // namespace lit::network::dns
