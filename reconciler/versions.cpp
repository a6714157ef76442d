#include "reconciler/versions.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler {
namespace fs = std::filesystem;

namespace {

// Where stage() writes a version's files before record_staged() numbers them.
constexpr std::string_view kStagedPrefix = ".staged-";

constexpr std::pair<VersionResult, std::string_view> kResults[] = {
    {VersionResult::Applied, "applied"},
    {VersionResult::Failed, "failed"},
    {VersionResult::RolledBack, "rolled back"},
};

VersionResult result_from(const std::string& text) {
  for (const auto& [r, t] : kResults)
    if (t == text) return r;
  throw Error("read version: unknown result " + text);
}

nlohmann::json to_json(const ProjectVersion& v) {
  return {
      {"Version", v.number},          {"Created", v.created_ns}, {"Result", to_string(v.result)},
      {"Changed", v.changed},         {"Note", v.note},          {"WorkingDir", v.working_dir},
      {"BuiltImages", v.built_images}};
}

ProjectVersion from_json(const nlohmann::json& j) {
  ProjectVersion v;
  v.number = j.at("Version").get<int>();
  v.created_ns = j.at("Created").get<std::int64_t>();
  v.result = result_from(j.at("Result").get<std::string>());
  v.changed = j.at("Changed").get<std::vector<std::string>>();
  v.note = j.value("Note", "");
  v.working_dir = j.value("WorkingDir", "");
  v.built_images =
      j.value("BuiltImages", nlohmann::json::object()).get<std::map<std::string, std::string>>();
  return v;
}

}  // namespace

std::string_view to_string(VersionResult result) {
  for (const auto& [r, t] : kResults)
    if (r == result) return t;
  return "unknown";
}

VersionStore::VersionStore(const Paths& paths, const std::string& project)
    : dir_(paths.root / "projects" / project / "versions") {}

fs::path VersionStore::definition_file(int number) const {
  return dir_ / std::to_string(number) / "compose.yaml";
}

fs::path VersionStore::empty_env_file(int number) const {
  fs::path file = dir_ / std::to_string(number) / "empty.env";
  std::error_code ec;
  if (!fs::exists(file, ec) && fs::is_directory(file.parent_path(), ec))
    write_file_atomic(file, "", 0600, Durability::NoSync);  // a crash lost it
  return file;
}

std::vector<ProjectVersion> VersionStore::list() const {
  std::vector<ProjectVersion> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().filename().string().starts_with(kStagedPrefix)) continue;  // not recorded
    try {  // version.json is written last: without it, the entry was cut short
      out.push_back(from_json(nlohmann::json::parse(read_file(entry.path() / "version.json"))));
    } catch (const std::exception&) {
    }
  }
  std::ranges::sort(out, {}, &ProjectVersion::number);
  return out;
}

std::optional<ProjectVersion> VersionStore::current() const {
  return applied_before(std::numeric_limits<int>::max());
}

std::optional<ProjectVersion> VersionStore::applied_before(int number) const {
  auto all = list();
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (it->number < number && it->result == VersionResult::Applied) return *it;
  return std::nullopt;
}

std::string VersionStore::definition(int number) const {
  return read_file(definition_file(number));
}

StagedVersion& StagedVersion::operator=(StagedVersion&& other) noexcept {
  if (this != &other) {
    discard();
    dir_ = std::exchange(other.dir_, {});
  }
  return *this;
}

void StagedVersion::discard() noexcept {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
  dir_.clear();
}

ProjectVersion VersionStore::record(const std::string& definition, ProjectVersion v) {
  return record_staged(stage(definition), std::move(v));
}

StagedVersion VersionStore::stage(const std::string& definition) const {
  const fs::path dir = dir_ / (std::string(kStagedPrefix) + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(dir, ec);  // a pid reused: an earlier stage of a killed up
  StagedVersion out(dir);   // removed again if a write fails
  make_dirs(dir, 0700);
  write_file_atomic(dir / "compose.yaml", definition, 0600);
  // Empty, so it needs no fsync: if a crash loses it, empty_env_file() makes
  // it again (one fsync less for each up that records a version).
  write_file_atomic(dir / "empty.env", "", 0600, Durability::NoSync);
  return out;
}

ProjectVersion VersionStore::record_staged(StagedVersion staged, ProjectVersion v) {
  auto all = list();
  v.number = all.empty() ? 1 : all.back().number + 1;
  v.created_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  const fs::path dir = dir_ / std::to_string(v.number);
  std::error_code ec;
  fs::remove_all(dir, ec);  // an earlier entry cut short under this number
  write_file_atomic(staged.dir() / "version.json", to_json(v).dump(2) + "\n", 0600);
  fs::rename(staged.dir(), dir, ec);
  if (ec) throw Error::sys("record version " + std::to_string(v.number), dir.string(), ec.value());
  staged.release();
  all.push_back(v);
  // Pruned: the oldest beyond kKeptVersions, never what runs or the one before
  // it; and what killed ups staged and never recorded (we hold the lock).
  std::set<int> keep;
  for (auto it = all.rbegin(); it != all.rend() && keep.size() < 2; ++it)
    if (it->result == VersionResult::Applied) keep.insert(it->number);
  for (std::size_t i = 0; i + kKeptVersions < all.size(); ++i)
    if (!keep.contains(all[i].number)) fs::remove_all(dir_ / std::to_string(all[i].number), ec);
  for (const auto& entry : fs::directory_iterator(dir_, ec))
    if (entry.path().filename().string().starts_with(kStagedPrefix))
      fs::remove_all(entry.path(), ec);
  return v;
}

void VersionStore::mark(int number, VersionResult result, const std::string& note) {
  const fs::path file = dir_ / std::to_string(number) / "version.json";
  ProjectVersion v = from_json(nlohmann::json::parse(read_file(file)));
  v.result = result;
  v.note = note;
  write_file_atomic(file, to_json(v).dump(2) + "\n", 0600);
}

}  // namespace lit::reconciler
