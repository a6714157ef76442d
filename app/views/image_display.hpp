#pragma once
// How images are shown, as docker shows them: short ids, human sizes and
// ages, `image inspect` and `image ls --format json` objects. Shared by every
// command that lists images.
#include <cstdint>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "app/views/format_template.hpp"
#include "runtime/image/store.hpp"

namespace lit::app {

std::string short_id(const std::string& id);  // 12 hex digits, no "sha256:"

// docker's units.HumanSizeWithPrecision(n, 3): "4.26MB", "999B", "1.2GB".
std::string human_size(std::int64_t bytes);

// "5 minutes ago", or "N/A" when `created` does not parse.
std::string created_ago(const std::string& created, std::time_t now);

// The `image inspect` object (docker's field names).
nlohmann::json inspect_json(const image::Image& image);

// One `image ls` row per tag (a dangling image is one "<none>" row).
struct ListRow {
  std::string repository, tag, id, created;
  std::int64_t size = 0;
};
std::vector<ListRow> list_rows(const image::Image& image);

// docker images' fields (Repository, Tag, ID, Digest, CreatedSince, CreatedAt,
// Size, and the ones lit has no value for: Containers, SharedSize, UniqueSize
// "N/A"), for --format; the ID short unless no_trunc.
FormatSpec image_ls_spec();
FormatRow image_ls_row(const ListRow& row, bool no_trunc, std::time_t now);

}  // namespace lit::app
