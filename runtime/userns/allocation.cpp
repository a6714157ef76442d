#include "runtime/userns/allocation.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>

#include "runtime/state/ids.hpp"
#include "runtime/userns/layer_copies.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {
namespace {

using nlohmann::json;

bool overlaps(std::uint64_t a, std::uint64_t a_size, const SubidRange& b) {
  return a < std::uint64_t{b.start} + b.count && std::uint64_t{b.start} < a + a_size;
}

std::vector<HeldRange> load(const fs::path& file) {
  std::vector<HeldRange> out;
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;
  json j;
  try {
    j = json::parse(read_file(file));
    for (const auto& r : j.at("ranges")) {
      std::uint32_t size = r.at("size");
      out.push_back({r.at("owner"),
                     {{0, r.at("uid").get<std::uint32_t>(), size},
                      {0, r.at("gid").get<std::uint32_t>(), size}},
                     r.value("allocated", "")});
    }
  } catch (const json::exception& e) {
    throw Error("read user namespace ranges", file.string(), 0, e.what());
  }
  return out;
}

void save(const fs::path& file, const std::vector<HeldRange>& held, Durability durability) {
  json ranges = json::array();
  for (const auto& h : held) {
    json range = {{"owner", h.owner},
                  {"uid", h.ns.uid.host},
                  {"gid", h.ns.gid.host},
                  {"size", h.ns.uid.size}};
    if (!h.allocated.empty()) range["allocated"] = h.allocated;
    ranges.push_back(std::move(range));
  }
  write_file_atomic(file, json{{"ranges", ranges}}.dump(1) + "\n", 0644, durability);
}

// The first free range of `size` in file's entries for the user.
std::uint32_t take(const fs::path& file, const std::string& user, std::uint32_t size,
                   const std::vector<SubidRange>& taken) {
  std::vector<SubidRange> available = read_subid(file, user);
  const std::string example = user + ":100000:" + std::to_string(size * 100ULL);
  if (available.empty())
    throw Error("--userns auto: " + file.string() + " has no range for user \"" + user + "\"", {},
                0, "add a line such as " + example + " to " + file.string());
  auto base = first_fit(available, taken, size);
  if (!base)
    throw Error("--userns auto: no free range of " + std::to_string(size) + " ids left in " +
                    file.string() + " for user \"" + user + "\"",
                {}, 0,
                "give \"" + user + "\" more ids there (e.g. " + example + ") or remove containers");
  return *base;
}

}  // namespace

std::optional<std::uint32_t> first_fit(const std::vector<SubidRange>& available,
                                       const std::vector<SubidRange>& taken, std::uint32_t size) {
  if (size == 0) return std::nullopt;
  for (const auto& r : available) {
    std::uint64_t at = r.start;
    const std::uint64_t end = std::uint64_t{r.start} + r.count;
    while (at + size <= end) {
      auto hit = std::find_if(taken.begin(), taken.end(),
                              [&](const SubidRange& t) { return overlaps(at, size, t); });
      if (hit == taken.end()) return static_cast<std::uint32_t>(at);
      at = std::uint64_t{hit->start} + hit->count;  // past the range in the way
    }
  }
  return std::nullopt;
}

UsernsRanges::UsernsRanges(const fs::path& root, const fs::path& run_root)
    : root_(root), dir_(root / "userns"), run_dir_(run_root / "userns") {}

std::vector<HeldRange> UsernsRanges::held() const {
  std::vector<HeldRange> all = load(dir_ / "ranges.json");
  std::ranges::move(load(run_dir_ / "ranges.json"), std::back_inserter(all));
  return all;
}

UserNamespace UsernsRanges::allocate(const std::string& owner, std::uint32_t size,
                                     const SubidSource& source, Durability durability,
                                     RecordHome home) {
  make_dirs(dir_, 0700);
  FileLock lock(dir_ / "ranges.lock");
  std::vector<HeldRange> held = this->held();
  for (const auto& h : held)
    if (h.owner == owner) return h.ns;
  std::vector<SubidRange> uids, gids;
  for (const auto& h : held) {
    uids.push_back({h.ns.uid.host, h.ns.uid.size});
    gids.push_back({h.ns.gid.host, h.ns.gid.size});
  }
  std::uint32_t uid = take(source.subuid, source.user, size, uids);
  std::uint32_t gid = take(source.subgid, source.user, size, gids);
  UserNamespace ns{{0, uid, size}, {0, gid, size}};
  const fs::path dir = home == RecordHome::RunRoot ? run_dir_ : dir_;
  if (home == RecordHome::RunRoot) make_dirs(dir, 0700);
  std::vector<HeldRange> in_file = load(dir / "ranges.json");
  in_file.push_back({owner, ns, now_rfc3339()});
  save(dir / "ranges.json", in_file, durability);
  return ns;
}

void UsernsRanges::release(const std::string& owner) {
  for (const fs::path& dir : {run_dir_, dir_}) {
    std::error_code ec;
    if (!fs::exists(dir / "ranges.json", ec)) continue;
    FileLock lock(dir_ / "ranges.lock");
    std::vector<HeldRange> held = load(dir / "ranges.json");
    auto it = std::ranges::find(held, owner, &HeldRange::owner);
    if (it == held.end()) continue;
    release(dir, held, it);
    return;
  }
}

void UsernsRanges::release(const fs::path& dir, std::vector<HeldRange>& held,
                           std::vector<HeldRange>::iterator it) {
  // Its layer copies go first, while the range is still held: a container
  // given the range next cannot be starting on them meanwhile.
  try {
    LayerCopies(layer_copies_root(root_), it->ns).remove();
  } catch (const Error& e) {  // still valid copies for this range: only disk is lost
    spdlog::warn("--userns auto: {}", e.what());
  }
  held.erase(it);
  save(dir / "ranges.json", held, Durability::NoSync);
}

}  // namespace lit::runtime
