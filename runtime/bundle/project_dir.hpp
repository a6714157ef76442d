#pragma once
// A project directory replaced by a bundle's files as a whole. The files are
// written into a new directory beside it (.NAME.new-XXXXXX), then exchanged
// with the current one in one renameat2(RENAME_EXCHANGE): a reader sees the
// old files or the new ones, never a mix. The previous version stays beside
// it (under the new directory's name) until commit(); destroyed before that,
// the swap puts the previous version back, or removes the new one. One apply
// at a time holds .NAME.lock beside the directory; it clears what an apply
// killed before its end left there (the other version's directory).
#include <filesystem>
#include <optional>

#include "runtime/bundle/reader.hpp"
#include "runtime/util/fs.hpp"

namespace lit::bundle {

class ProjectDirSwap {
 public:
  explicit ProjectDirSwap(std::filesystem::path dir);
  ~ProjectDirSwap();
  ProjectDirSwap(const ProjectDirSwap&) = delete;
  ProjectDirSwap& operator=(const ProjectDirSwap&) = delete;

  // Where the new files go before swap().
  const std::filesystem::path& incoming() const { return other_; }
  // The new files become the directory's.
  void swap();
  // Keeps them: the previous version is removed.
  void commit();
  // Puts the previous version back now (what the destructor does), throwing on failure.
  void restore();

 private:
  std::filesystem::path dir_, other_;
  std::optional<FileLock> lock_;
  bool had_previous_ = false, swapped_ = false, done_ = false;
};

// Writes the bundle's files (verified) under `into`, with their modes.
void write_files(const VerifiedBundle& bundle, const std::filesystem::path& into);

}  // namespace lit::bundle
