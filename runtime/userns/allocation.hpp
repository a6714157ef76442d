#pragma once
// Which host ids each container's user namespace holds (--userns auto): one
// range per container, taken first-fit from lit's /etc/subuid and /etc/subgid
// entries and recorded in <root>/userns/ranges.json under
// <root>/userns/ranges.lock, so a restart maps the same ids (its files in the
// upper layer stay its own) and `rm` gives them back (or `lit system check
// --fix`, when a killed lit left a range held for a container with no record).
// A container whose record is in the run root (`run --rm` in the foreground,
// RecordHome::RunRoot) has its range there too, in
// <run-root>/userns/ranges.json: nothing of it is written to disk, and a
// reboot, which ends the container, frees it. Both files are taken from
// under the one lock.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/spec/userns.hpp"
#include "runtime/state/record_store.hpp"
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
  // lit's persistent root and its run root.
  UsernsRanges(const std::filesystem::path& root, const std::filesystem::path& run_root);

  // Every range held now, in either file (none before the first).
  std::vector<HeldRange> held() const;

  // owner's namespace: the one recorded for it, else a new range of `size` ids
  // (uids and gids alike). Throws naming what to add to /etc/subuid or
  // /etc/subgid when the user has no entry or none with room. `durability`
  // and `home`: as the owner's record's (a --rm container's range, like its
  // record, need not survive a crash: the container does not).
  UserNamespace allocate(const std::string& owner, std::uint32_t size,
                         const SubidSource& source = {}, Durability durability = Durability::Sync,
                         RecordHome home = RecordHome::Disk);
  // Frees owner's range, and removes the range's layer copies
  // (layer_copies.hpp); an owner without one is fine. Not synced: a crash
  // that loses it only keeps the range held, as a crash while it runs does.
  void release(const std::string& owner);

 private:
  // Frees `it` of `held`, the ranges in dir's file, with the lock held.
  void release(const std::filesystem::path& dir, std::vector<HeldRange>& held,
               std::vector<HeldRange>::iterator it);

  std::filesystem::path root_, dir_, run_dir_;
};

}  // namespace lit::runtime
