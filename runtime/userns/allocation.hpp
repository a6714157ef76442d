#pragma once
// Which host ids each container's user namespace holds (--userns auto): one
// range per container, taken first-fit from lit's /etc/subuid and /etc/subgid
// entries and recorded in <root>/userns/ranges.json under
// <root>/userns/ranges.lock, so a restart maps the same ids (its files in the
// upper layer stay its own) and `rm` gives them back (or `lit system check
// --fix`, when a killed lit left a range held for a container with no record).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/spec/userns.hpp"
#include "runtime/userns/subid.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

// The first id of `size` consecutive ids inside one of `available` that
// overlap none of `taken`; nullopt when no range has room.
std::optional<std::uint32_t> first_fit(const std::vector<SubidRange>& available,
                                       const std::vector<SubidRange>& taken, std::uint32_t size);

// Where the ranges come from: the files and the user named in them.
struct SubidSource {
  std::filesystem::path subuid = "/etc/subuid", subgid = "/etc/subgid";
  std::string user{kSubidUser};
};

// One range as ranges.json holds it.
struct HeldRange {
  std::string owner;  // the container's id
  UserNamespace ns;
  // When it was taken (RFC 3339), "" in a file a lit from before wrote: a
  // create takes the range just before it writes the container's record, so
  // for a moment a range's owner has none.
  std::string allocated;
};

class UsernsRanges {
 public:
  explicit UsernsRanges(const std::filesystem::path& root);  // lit's persistent root

  // Every range held now (none before the first).
  std::vector<HeldRange> held() const;

  // owner's namespace: the one recorded for it, else a new range of `size` ids
  // (uids and gids alike). Throws naming what to add to /etc/subuid or
  // /etc/subgid when the user has no entry or none with room. `durability`:
  // as the owner's record's (a --rm container's range, like its record, need
  // not survive a crash: the container does not).
  UserNamespace allocate(const std::string& owner, std::uint32_t size,
                         const SubidSource& source = {}, Durability durability = Durability::Sync);
  // Frees owner's range, and removes the range's layer copies
  // (layer_copies.hpp); an owner without one is fine. Not synced: a crash
  // that loses it only keeps the range held, as a crash while it runs does.
  void release(const std::string& owner);

 private:
  std::filesystem::path root_, dir_;
};

}  // namespace lit::runtime
