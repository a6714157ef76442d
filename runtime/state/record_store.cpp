#include "runtime/state/record_store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/spec/options.hpp"
#include "runtime/state/ids.hpp"
#include "runtime/util/error.hpp"

namespace lit::runtime {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- the store -------------------------------------------------------------

RecordStore::RecordStore(const Paths& paths)
    : root_(paths.containers()), run_(paths.run_containers()) {}

RecordStore::RecordStore(fs::path containers_dir, fs::path run_containers_dir)
    : root_(std::move(containers_dir)), run_(std::move(run_containers_dir)) {}

namespace {
bool holds_record(const fs::path& dir) {
  return ::access((dir / "container.json").c_str(), F_OK) == 0;
}

void check_valid_name(const std::string& name) {
  if (!is_valid_name(name))
    throw Error("invalid container name \"" + name +
                "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
}

bool full_id(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// A link's target: the id's 32 bytes in base64url (43 characters), not its 64
// hex digits. ext4 keeps a target shorter than 60 bytes in the inode; a longer
// one gets a block of its own, allocated at every create and freed (on a disk
// mounted with discard, discarded, ~0.1 ms) at every rm.
std::string link_target(const std::string& id) {
  std::string out;
  unsigned bits = 0, acc = 0;
  for (char c : id) {
    acc = (acc << 4) | static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10);
    for (bits += 4; bits >= 6; bits -= 6) out += kBase64Url[(acc >> (bits - 6)) & 63];
  }
  if (bits > 0) out += kBase64Url[(acc << (6 - bits)) & 63];
  return out;
}

// The id a link's target names: link_target's form, or the 64 hex digits an
// older lit wrote ("" for anything else).
std::string id_of_target(std::string_view target) {
  if (target.size() == 64) return std::string(target);
  if (target.size() != 43) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  unsigned bits = 0, acc = 0;
  for (char c : target) {
    const size_t v = kBase64Url.find(c);
    if (v == std::string_view::npos) return "";
    acc = (acc << 6) | static_cast<unsigned>(v);
    for (bits += 6; bits >= 4; bits -= 4) id += kHex[(acc >> (bits - 4)) & 15];
  }
  return id.substr(0, 64);
}

// Points <index>/<name> at `id`, replacing what the name pointed at.
void link_name(const fs::path& index, const std::string& name, const std::string& id) {
  const fs::path link = index / name;
  const fs::path tmp = index / ("." + name + ".tmp");
  ::unlink(tmp.c_str());
  if (::symlink(link_target(id).c_str(), tmp.c_str()) < 0)
    throw Error::sys("record the name of container", name, errno);
  if (::rename(tmp.c_str(), link.c_str()) < 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Error::sys("record the name of container", name, err);
  }
}

// The id <index>/<name> points at ("" when none).
std::string linked_id(const fs::path& index, const std::string& name) {
  char target[128];
  const ssize_t n = ::readlink((index / name).c_str(), target, sizeof target);
  return n > 0 && static_cast<size_t>(n) < sizeof target
             ? id_of_target(std::string_view(target, static_cast<size_t>(n)))
             : "";
}
}  // namespace

// ---- the name index ----------------------------------------------------------
// <root>/.names/<name> is a symlink to the id of the container of that name
// (in base64url, see link_target),
// so that a create, a rename or a lookup by name reads one record, not all of
// them (with 250 containers, every create parsed every record: O(N) each).
// The records stay the truth: a link whose record is gone, or names another
// name (a create, rename or rm cut short), counts for nothing. A link is made
// before its record and removed after it, so no record lacks its link. A
// store made by an older lit gets its index once, from its records.

fs::path RecordStore::names_dir() const { return root_ / ".names"; }

void RecordStore::ensure_name_index() const {
  std::error_code ec;
  if (fs::is_directory(names_dir(), ec)) return;
  // Built aside and renamed into place: there is no half index. One a killed
  // lit left half-built goes first (this runs under the store-wide lock).
  for (const auto& e : fs::directory_iterator(root_, ec))
    if (e.path().filename().string().starts_with(".names-")) remove_tree(e.path());
  TempDir building(root_, ".names-");
  for (const auto& r : list()) link_name(building.path(), r.name, r.id);
  if (::rename(building.path().c_str(), names_dir().c_str()) < 0)
    throw Error::sys("create the container name index", names_dir().string(), errno);
  building.release();
}

std::optional<ContainerRecord> RecordStore::named(const std::string& name) const {
  if (!is_valid_name(name)) return std::nullopt;
  const std::string id = linked_id(names_dir(), name);
  if (id.empty() || !full_id(id)) return std::nullopt;
  std::optional<ContainerRecord> r;
  try {
    r = read(id);
  } catch (const Error&) {
    return std::nullopt;  // list() skips it too
  }
  if (r && r->name == name) return r;
  return std::nullopt;
}

fs::path RecordStore::dir(const std::string& id) const {
  if (!run_.empty() && holds_record(run_ / id)) return run_ / id;
  return root_ / id;
}

void RecordStore::write(const fs::path& dir, const ContainerRecord& record,
                        Durability durability) const {
  write_file_atomic(dir / "container.json", to_json(record).dump(2) + "\n", 0600, durability);
}

void RecordStore::check_unused(const std::string& name) const {
  if (auto other = named(name))
    throw Error("the container name \"/" + name + "\" is already in use by container \"" +
                other->id + "\"")
        .with_hint("remove it (lit container rm " + name + ") or choose another --name");
}

void RecordStore::create(const ContainerRecord& record, Durability durability, RecordHome home) {
  check_valid_name(record.name);
  if (run_.empty()) home = RecordHome::Disk;
  make_dirs(root_, 0700);
  spread_subdirectories(root_);    // a best effort: only ext2/3/4 have the flag
  FileLock names(root_ / "lock");  // name check and creation are one step
  ensure_name_index();
  check_unused(record.name);
  // Once a boot: the run root is empty after a reboot, so its marker says
  // this boot's orphans were looked for (each look reads every container's
  // directory: O(N) a create).
  const fs::path swept = run_.empty() ? fs::path() : run_.parent_path() / "containers.swept";
  if (swept.empty() || ::access(swept.c_str(), F_OK) != 0) {
    remove_orphans_of_earlier_boots();
    if (!swept.empty()) {
      make_dirs(swept.parent_path(), 0700);
      write_file_atomic(swept, "", 0600, Durability::NoSync);
    }
  }
  link_name(names_dir(), record.name, record.id);
  const fs::path record_dir = home == RecordHome::RunRoot ? run_ / record.id : root_ / record.id;
  if (home == RecordHome::RunRoot) make_dirs(run_, 0700);
  if (::mkdir(record_dir.c_str(), 0700) < 0)
    throw Error::sys("create container directory", record_dir.string(), errno);
  try {
    if (home == RecordHome::RunRoot) make_bundle(bundle(record.id));
    FileLock l(record_dir / "lock");
    write(record_dir, record, durability);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(record_dir, ec);
    if (home == RecordHome::RunRoot) fs::remove_all(bundle(record.id), ec);
    throw;
  }
}

std::string RecordStore::unused_name() const {
  auto records = list();
  for (;;) {
    std::string name = generate_name();
    if (name == "boring_wozniak") continue;  // docker's one exception, kept for fun
    bool taken = std::any_of(records.begin(), records.end(),
                             [&](const ContainerRecord& r) { return r.name == name; });
    if (!taken) return name;
  }
}

std::optional<ContainerRecord> RecordStore::read(const std::string& id) const {
  fs::path file = dir(id) / "container.json";
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error& e) {
    if (e.err() == ENOENT || e.err() == ENOTDIR) return std::nullopt;
    throw;
  }
  // Empty: the unsynced record of a --rm container that a power loss cut short.
  if (text.empty()) return std::nullopt;
  try {
    return record_from_json(json::parse(text));
  } catch (const json::exception& e) {
    throw Error("read container record", file.string()).context(e.what());
  }
}

std::vector<std::string> RecordStore::ids() const {
  std::set<std::string> out;
  for (const fs::path& root : {root_, run_}) {
    if (root.empty()) continue;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec))
      if (entry.is_directory(ec) && !entry.path().filename().string().starts_with('.'))
        out.insert(entry.path().filename().string());
  }
  return {out.begin(), out.end()};
}

std::vector<ContainerRecord> RecordStore::list() const {
  std::vector<ContainerRecord> out;
  for (const auto& id : ids()) {
    // Skips directories mid-creation or mid-removal (no record file).
    try {
      if (auto r = read(id)) out.push_back(std::move(*r));
    } catch (const Error& e) {  // one bad record must not hide the others
      spdlog::warn("skipping container: {}", e.what());
    }
  }
  std::sort(out.begin(), out.end(), [](const ContainerRecord& a, const ContainerRecord& b) {
    return a.created > b.created;  // newest first, as docker lists them
  });
  return out;
}

void RecordStore::remove_orphans_of_earlier_boots() const {
  std::optional<std::time_t> booted;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string id = entry.path().filename().string();
    if (!entry.is_directory(ec) || id.size() != 64) continue;
    if (holds_record(dir(id))) continue;
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) < 0) continue;
    if (!booted) {  // now minus the time since boot
      timespec real{}, since_boot{};
      ::clock_gettime(CLOCK_REALTIME, &real);
      ::clock_gettime(CLOCK_BOOTTIME, &since_boot);
      booted = real.tv_sec - since_boot.tv_sec;
    }
    // Made in this boot: a container being created or removed right now.
    if (st.st_mtim.tv_sec >= *booted) continue;
    spdlog::info("removing {}: the writable layer of a --rm container of an earlier boot",
                 entry.path().string());
    try {
      remove_tree(entry.path());
    } catch (const Error& e) {
      spdlog::warn("{}", e.what());
    }
  }
}

ContainerRecord RecordStore::lookup(const std::string& name_or_id) const {
  if (name_or_id.empty()) throw Error("no such container: \"\"");
  // A full id, then a name: one record read. Else every record (an id prefix).
  if (full_id(name_or_id))
    if (auto r = read(name_or_id)) return *r;
  if (auto r = named(name_or_id.front() == '/' ? name_or_id.substr(1) : name_or_id)) return *r;
  auto records = list();
  for (const auto& r : records)
    if (r.id == name_or_id) return r;
  std::string name = name_or_id.front() == '/' ? name_or_id.substr(1) : name_or_id;
  for (const auto& r : records)
    if (r.name == name) return r;
  std::vector<const ContainerRecord*> matches;
  for (const auto& r : records)
    if (r.id.starts_with(name_or_id)) matches.push_back(&r);
  if (matches.size() == 1) return *matches.front();
  if (matches.empty()) throw Error("no such container: " + name_or_id);
  std::string ids;
  for (const auto* m : matches) ids += (ids.empty() ? "" : ", ") + m->id.substr(0, 12);
  throw Error("container id prefix \"" + name_or_id + "\" is ambiguous: it matches " + ids)
      .with_hint("give more characters of the id, or the name");
}

bool RecordStore::update(const std::string& id, const std::function<void(ContainerRecord&)>& change,
                         Durability durability) {
  const fs::path where = dir(id);
  std::optional<FileLock> l;
  try {
    l.emplace(FileLock(where / "lock"));
  } catch (const Error& e) {
    if (e.err() == ENOENT) return false;  // removed already, or meanwhile
    throw;
  }
  auto record = read(id);
  if (!record) return false;
  change(*record);
  write(where, *record, durability);
  return true;
}

ContainerRecord RecordStore::rename(const std::string& id, const std::string& name) {
  check_valid_name(name);
  make_dirs(root_, 0700);
  FileLock names(root_ / "lock");  // as create: the check and the change are one step
  auto current = read(id);
  if (!current) throw Error("no such container: " + id);
  if (current->name == name)
    throw Error("renaming container " + current->name + " to the name it already has")
        .with_hint("give a different new name");
  ensure_name_index();
  check_unused(name);
  link_name(names_dir(), name, id);
  ContainerRecord renamed;
  bool present = update(id, [&](ContainerRecord& r) {
    r.name = name;
    renamed = r;
  });
  if (!present) throw Error("no such container: " + current->name);
  if (linked_id(names_dir(), current->name) == id) ::unlink((names_dir() / current->name).c_str());
  return renamed;
}

void RecordStore::remove(const std::string& id) {
  const fs::path where = dir(id);
  std::string name;
  {
    std::optional<FileLock> l;
    try {
      l.emplace(FileLock(where / "lock"));
    } catch (const Error& e) {
      if (e.err() == ENOENT) return;  // removed already
      throw;
    }
    try {
      if (auto r = read(id)) name = r->name;
    } catch (const Error&) {  // unreadable: its link (if any) counts for nothing anyway
    }
    if (::unlink((where / "container.json").c_str()) < 0 && errno != ENOENT)
      throw Error::sys("remove container record", (where / "container.json").string(), errno);
  }
  // After the record: a name whose record is gone is free whether or not its
  // link went too. Only the link to this very container goes.
  if (!name.empty() && is_valid_name(name) && linked_id(names_dir(), name) == id)
    ::unlink((names_dir() / name).c_str());
  remove_tree(where);
  if (where != bundle(id)) park_bundle(bundle(id));
}

// ---- the spare bundle ----------------------------------------------------------
// A foreground --rm container's bundle holds only its writable layer: upper/
// and work/. Made and removed for each run, its three directories and
// overlayfs' own work/work/incompat/volatile cost a block each on ext4,
// allocated and then freed (where the disk is mounted with discard and the
// filesystem has no journal, each free waits for the device, ~0.1 ms). So
// the bundle of the last one to go is kept as <containers>/.spare, with its
// work/ (which the container never sees; overlayfs empties work/work on
// every mount) but without its upper/ (the container's writes, and its
// root's owner, mode and xattrs), and the next one takes it with a rename.
// One spare at most; another bundle goes as before.

void RecordStore::make_bundle(const fs::path& bundle) const {
  if (::rename(spare_bundle().c_str(), bundle.c_str()) == 0) return;
  if (::mkdir(bundle.c_str(), 0700) < 0)
    throw Error::sys("create container directory", bundle.string(), errno);
}

// Parks the bundle, without its upper/, when it holds work/ and nothing but
// upper/ besides; else removes it.
void RecordStore::park_bundle(const fs::path& bundle) const {
  try {
    std::error_code ec;
    bool parkable = true, has_work = false;
    for (const auto& e : fs::directory_iterator(bundle, ec)) {
      const std::string name = e.path().filename().string();
      parkable = parkable && (name == "upper" || name == "work") && e.is_directory(ec) &&
                 !e.is_symlink(ec);
      has_work = has_work || name == "work";
    }
    if (!ec && parkable && has_work) {
      remove_tree(bundle / "upper");
      if (::renameat2(AT_FDCWD, bundle.c_str(), AT_FDCWD, spare_bundle().c_str(),
                      RENAME_NOREPLACE) == 0)
        return;
    }
  } catch (const std::exception& e) {  // removed below, which says what fails
    spdlog::debug("keeping the bundle {} as the spare: {}", bundle.string(), e.what());
  }
  remove_tree(bundle);
}

}  // namespace lit::runtime
