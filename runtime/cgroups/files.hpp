#pragma once
// Small helpers shared by the v1 and v2 drivers: reading and writing cgroup
// knobs with errors that name the file, listing pids, and tearing a cgroup down.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::cgroups {

namespace fs = std::filesystem;

// Throws lit::Error for ids that could escape the lit subtree ("", ".", "..", "a/b").
void validate_id(const std::string& id);

// Writes value to dir/file; `what` names the setting for the error ("memory limit").
// A missing file means the controller is not available, which the error says.
void write_knob(const fs::path& dir, const std::string& file, std::string_view value,
                const std::string& what);
// Writes each of `values` to dir/file in turn, one write each through one open
// (v1's devices.allow takes one rule a write); errors as write_knob's.
void write_knob_each(const fs::path& dir, const std::string& file,
                     const std::vector<std::string>& values, const std::string& what);

// The pids listed in a cgroup.procs file; empty when the file does not exist.
std::vector<pid_t> read_pids(const fs::path& procs_file);

// The first number in a file ("123\n"); nullopt when missing or not a number ("max").
std::optional<std::uint64_t> read_number(const fs::path& file);

// The value of a "key value" line in a flat-keyed file (memory.events, cpu.stat).
std::optional<std::uint64_t> read_keyed(const fs::path& file, std::string_view key);

// The names of the directories under dir (the cgroup ids under a lit subtree).
std::vector<std::string> list_dirs(const fs::path& dir);

// Writes `value` to dir/file, then polls until `done()` holds, writing again
// now and then (a v1 freezer can stay FREEZING); throws naming `what` after a
// few seconds.
void write_until(const fs::path& dir, const std::string& file, std::string_view value,
                 const std::string& what, const std::function<bool()>& done);

// SIGKILLs every process in a cgroup directory until its cgroup.procs is
// empty (cgroup.kill first where there is one), bounded to a few seconds;
// leaves the directory. Gone already is fine.
void kill_all(const fs::path& dir);

// Removes the given cgroup directories if nothing lives in them (a container
// whose init was reaped: its PID namespace went with it), and then each one's
// shared `lit` parent if that is empty too. True when all are gone (gone
// already is fine); false at the first that is busy.
bool remove_if_empty(const std::vector<fs::path>& dirs);

// SIGKILLs every process in the given cgroup directories until all of them can
// be removed, bounded to a few seconds. Empty ones are removed at once;
// otherwise `kill_file` (v2 cgroup.kill) is written first when it exists.
// Directories already gone are fine.
void kill_and_remove(const std::vector<fs::path>& dirs, const fs::path& kill_file = {});

}  // namespace lit::cgroups
