#pragma once
// Container records: <root>/containers/<id>/container.json (or, for a
// foreground --rm container, <run-root>/containers/<id>/container.json),
// written atomically and guarded by a per-container flock (lock, next to the
// record), plus the store-wide lock
// (<root>/containers/lock) that keeps names unique, the name index
// (<root>/containers/.names) and a spare bundle (<root>/containers/.spare).
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/state/record.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

// Where a container's record is kept. A container that lives only as long as
// the `lit` command running it in the foreground (--rm without -d) keeps its
// record in the run root (a tmpfs), next to its etc files, so starting it
// writes nothing to disk but its empty upper/ and work/; every other container
// keeps its record on disk.
enum class RecordHome { Disk, RunRoot };

class RecordStore {
 public:
  // Records on disk in paths.containers(), run-root ones in paths.run_containers().
  explicit RecordStore(const Paths& paths);
  // run_containers_dir empty: every record on disk.
  explicit RecordStore(std::filesystem::path containers_dir,
                       std::filesystem::path run_containers_dir = {});

  // The directory holding the container's record, lock and log: the run
  // root's when the record is there, else the one on disk.
  std::filesystem::path dir(const std::string& id) const;
  // The lock one user command on the container holds (start, stop, kill, rm);
  // a starting container's supervisor holds it until the start is recorded.
  std::filesystem::path operation_lock(const std::string& id) const { return dir(id) / "op.lock"; }
  // On disk, always: the container's writable layer (upper/, work/) and the
  // files lit writes for it. Containers made by an older lit name their own
  // (spec.bundle), which was <id>/bundle.
  std::filesystem::path bundle(const std::string& id) const { return root_ / id; }

  // Creates the container's directories and writes the record. The name must
  // be valid and unused: `the container name "/x" is already in use by
  // container "<id>"`. NoSync suits a container that does not outlive its run
  // (--rm): after a power loss its record may be empty, which read() takes for
  // no record. Also removes what crashed --rm runs of an earlier boot left
  // (looked for at the first create of a boot).
  void create(const ContainerRecord& record, Durability durability = Durability::Sync,
              RecordHome home = RecordHome::Disk);

  // A name nobody uses yet (generate_name, retried on collision).
  std::string unused_name() const;

  std::optional<ContainerRecord> read(const std::string& id) const;
  std::vector<ContainerRecord> list() const;

  // By full id, exact name, or unique id prefix. Throws "no such container: X"
  // or, for a prefix matching several, an error listing them.
  ContainerRecord lookup(const std::string& name_or_id) const;

  // Read-modify-write under the container's lock. False when the record is
  // gone (removed meanwhile), in which case `change` is not called.
  bool update(const std::string& id, const std::function<void(ContainerRecord&)>& change,
              Durability durability = Durability::Sync);

  // docker rename: the container's name becomes `name`, which must be valid
  // and unused (the same errors as create), checked under the store-wide lock.
  // Returns the updated record.
  ContainerRecord rename(const std::string& id, const std::string& name);

  // Deletes the record first (so no one sees a half-removed container), then
  // its directories (a run-root record's too).
  void remove(const std::string& id);

  // A run-root record's bundle, emptied, is kept at <root>/containers/.spare
  // for the next one (see park_bundle): what may be there.
  std::filesystem::path spare_bundle() const { return root_ / ".spare"; }

 private:
  void write(const std::filesystem::path& dir, const ContainerRecord& record,
             Durability durability) const;
  void make_bundle(const std::filesystem::path& bundle) const;
  void park_bundle(const std::filesystem::path& bundle) const;
  // Ids of every directory in either root (a container may have one in each).
  std::vector<std::string> ids() const;
  // Throws when a container is named `name` (call with the store-wide lock held).
  void check_unused(const std::string& name) const;
  // The name index (record_store.cpp): its directory, made from the records
  // when missing (under the store-wide lock), and the record it names.
  std::filesystem::path names_dir() const;
  void ensure_name_index() const;
  std::optional<ContainerRecord> named(const std::string& name) const;
  // Removes disk directories without a record that predate this boot: the
  // writable layers of --rm runs whose run-root record a reboot took.
  void remove_orphans_of_earlier_boots() const;
  std::filesystem::path root_;
  std::filesystem::path run_;  // empty: no run-root records
};

}  // namespace lit::runtime
