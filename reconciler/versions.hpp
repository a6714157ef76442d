#pragma once
// The versions of a project that `lit up` applied, kept so that `lit up
// --atomic` can return the services it changed to the last good version and
// `lit rollback` can go back one on demand. <root>/projects/<name>/versions/<N>/
// holds compose.yaml (the project as `lit config` prints it: absolute paths,
// values resolved, `$` escaped, so it loads back into the same model and the
// same config hashes) and version.json (when, the result, the services it
// changed, a note). Callers hold the project's lock (up and rollback do).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/util/paths.hpp"

namespace lit::reconciler {

enum class VersionResult {
  Applied,     // what runs (the newest Applied one), or ran before a later up
  Failed,      // an `up --atomic` whose changed services were returned to the one before
  RolledBack,  // applied, then undone by `lit rollback`
};
std::string_view to_string(VersionResult result);

struct ProjectVersion {
  int number = 0;
  std::int64_t created_ns = 0;  // wall clock
  VersionResult result = VersionResult::Applied;
  std::vector<std::string> changed;  // services whose containers it created or recreated
  std::string note;                  // why it failed, or what undid it
  std::string working_dir;           // the project directory it was loaded from
  // Each service with build: -> the id of the image it ran (its tag moves
  // with the next build; going back to this version points it here again).
  std::map<std::string, std::string> built_images;
};

// How many versions are kept (besides the current one and the one before it).
inline constexpr std::size_t kKeptVersions = 10;

// A version's files written ahead by VersionStore::stage(), not yet a
// version: removed when dropped, unless record_staged() took them.
class StagedVersion {
 public:
  StagedVersion() = default;
  explicit StagedVersion(std::filesystem::path dir) : dir_(std::move(dir)) {}
  StagedVersion(StagedVersion&& other) noexcept : dir_(std::exchange(other.dir_, {})) {}
  StagedVersion& operator=(StagedVersion&& other) noexcept;
  StagedVersion(const StagedVersion&) = delete;
  StagedVersion& operator=(const StagedVersion&) = delete;
  ~StagedVersion() { discard(); }

  const std::filesystem::path& dir() const { return dir_; }
  // The directory, now the caller's (it is no longer removed).
  std::filesystem::path release() { return std::exchange(dir_, {}); }

 private:
  void discard() noexcept;
  std::filesystem::path dir_;
};

class VersionStore {
 public:
  VersionStore(const Paths& paths, const std::string& project);

  // Oldest first; an entry that cannot be read (cut short) is skipped.
  std::vector<ProjectVersion> list() const;
  // The newest Applied version: what runs, as far as lit knows.
  std::optional<ProjectVersion> current() const;
  // The newest Applied version older than `number`.
  std::optional<ProjectVersion> applied_before(int number) const;
  // A version's compose.yaml.
  std::string definition(int number) const;

  // Writes a new version (its number: one more than the newest; its time:
  // now) and prunes the oldest beyond kKeptVersions. Returns it.
  ProjectVersion record(const std::string& definition, ProjectVersion version);
  // record() in two steps, so that the files can be written ahead (while
  // `up --wait` waits) and the record at the end is one small file and a
  // rename: stage() writes the definition under a name list() skips
  // (.staged-<pid>); record_staged() numbers it, writes its version.json and
  // renames it into place. One left by a killed `up` goes with the next
  // record (the caller holds the project's lock).
  StagedVersion stage(const std::string& definition) const;
  ProjectVersion record_staged(StagedVersion staged, ProjectVersion version);
  // Rewrites an existing version's result and note.
  void mark(int number, VersionResult result, const std::string& note);
  std::filesystem::path definition_file(int number) const;
  // An empty env file beside it: the definition needs no variables, and the
  // project's .env of the moment must not stand in for them. Made again when
  // missing (it is written without fsync).
  std::filesystem::path empty_env_file(int number) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace lit::reconciler
