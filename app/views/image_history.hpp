#pragma once
// `image history` and `image prune` output, as docker prints them.
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "app/views/table.hpp"
#include "runtime/image/history.hpp"
#include "runtime/image/prune.hpp"

namespace lit::app {

// docker's stringutils.Ellipsis: at most `width` code points, the last one "…" when cut.
std::string ellipsis(std::string_view text, std::size_t width);

// IMAGE CREATED CREATED BY SIZE COMMENT; "<missing>" for steps without an
// image of their own; CREATED BY cut to 45 columns unless `no_trunc`.
TableRows history_table(const std::vector<image::HistoryRow>& rows, bool no_trunc, std::time_t now);

// `-q`: one id per row ("<missing>" included, as docker prints it).
std::vector<std::string> history_ids(const std::vector<image::HistoryRow>& rows, bool no_trunc);

// `--format json`: an array of {ID, CreatedAt, CreatedSince, CreatedBy, Size, Comment}.
nlohmann::json history_json(const std::vector<image::HistoryRow>& rows, std::time_t now);

// "Deleted Images:" and its lines, a blank line, then "Total reclaimed space: X".
std::string prune_report(const image::PruneResult& result);

}  // namespace lit::app
