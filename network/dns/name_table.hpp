#pragma once
// What lit-dns serves, read from the config file and the containers' names
// files (config.hpp) into flat sorted arrays: one entry of 20 bytes per
// (network, name, address, owner) and the names' bytes in one string, instead
// of a map node, a string and a vector per name. With 250 containers (1500
// names) the tables take ~60 kB, not ~600; a container's file replaces its
// own entries only, and nothing else is kept of it; lit-dns stays under 1 MB
// RSS (issue 22).
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
  // Names are matched without regard to case (stored lowercased). `owner`
  // says whose entry it is (0: the config; n: a container's file), for remove.
  void add(uint32_t listen, std::string_view name, uint32_t addr, uint32_t owner = 0);
  // Drops every entry of `owner`; the bytes of its names are reclaimed by a
  // later seal once they are most of the table's.
  void remove(uint32_t owner);
  // Sorts by (listen, name), keeping the order in which a name's addresses
  // were added, and drops an address an owner repeats for a name. Call after
  // the last add or remove, before a find.
  void seal();
  // The entries of `name` on `listen`: [first, last), empty when none. The
  // first index names the group (for rotating replicas). An address may come
  // twice when two owners list it.
  std::pair<size_t, size_t> find(uint32_t listen, std::string_view name) const;
  uint32_t address(size_t i) const { return entries_[i].addr; }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint32_t listen, addr, offset, length, owner;
  };
  std::string_view name_of(const Entry& e) const { return {arena_.data() + e.offset, e.length}; }
  std::string arena_;
  size_t garbage_ = 0;  // bytes of the arena no entry names any more
  std::vector<Entry> entries_;
};

struct Scope {
  uint32_t client, listen, owner;
  bool operator==(const Scope&) const = default;
};

struct ServerTables {
  std::vector<uint32_t> listen;     // IPv4, host byte order
  std::vector<uint32_t> upstreams;  // IPv4, host byte order, port 53
  NameTable names;
  std::vector<Scope> scopes;  // sorted by client

  // The further listen addresses whose names `client` sees, in order.
  std::vector<uint32_t> scopes_of(uint32_t client) const;

  // What `owner` says is now `text` (owner 0: the config, whose listen and
  // upstream lines replace the old ones; another owner's are ignored). Call
  // seal() after the last update or remove.
  void update(uint32_t owner, std::string_view text);
  void remove(uint32_t owner);
  void seal();
};

// Lines it does not understand are skipped, as parse_config does.
ServerTables parse_server_tables(std::string_view text);
// The tables of several files at once: the config and each running
// container's names (network/dns_service.hpp), as if they were one text.
ServerTables parse_server_tables(std::span<const std::string_view> texts);

}  // namespace lit::network::dns
