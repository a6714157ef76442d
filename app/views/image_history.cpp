#include "app/views/image_history.hpp"

#include "app/views/image_display.hpp"

namespace lit::app {

std::string ellipsis(std::string_view text, std::size_t width) {
  if (width == 0) return "";
  std::size_t points = 0, cut = text.size();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (points == width - 1) cut = std::min(cut, i);
    ++points;
  }
  if (points <= width) return std::string(text);
  return std::string(text.substr(0, cut)) + "…";
}

namespace {

std::string shown_id(const image::HistoryRow& r, bool no_trunc) {
  if (r.id.empty()) return "<missing>";
  return no_trunc ? r.id : short_id(r.id);
}

std::string created_by(const image::HistoryRow& r) {
  std::string s = r.created_by;
  for (char& c : s) {
    if (c == '\t') c = ' ';
  }
  return s;
}

}  // namespace

TableRows history_table(const std::vector<image::HistoryRow>& rows, bool no_trunc,
                        std::time_t now) {
  TableRows table = {{"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}};
  for (const auto& r : rows) {
    std::string by = created_by(r);
    table.push_back({shown_id(r, no_trunc), created_ago(r.created, now),
                     no_trunc ? by : ellipsis(by, 45), human_size(r.size), r.comment});
  }
  return table;
}

std::vector<std::string> history_ids(const std::vector<image::HistoryRow>& rows, bool no_trunc) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(shown_id(r, no_trunc));
  return out;
}

nlohmann::json history_json(const std::vector<image::HistoryRow>& rows, std::time_t now) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    out.push_back({{"ID", shown_id(r, true)},
                   {"CreatedAt", r.created},
                   {"CreatedSince", created_ago(r.created, now)},
                   {"CreatedBy", r.created_by},
                   {"Size", r.size},
                   {"Comment", r.comment}});
  }
  return out;
}

std::string prune_report(const image::PruneResult& result) {
  std::string out;
  if (!result.lines.empty()) {
    out = "Deleted Images:\n";
    for (const auto& l : result.lines) out += l + "\n";
    out += "\n";
  }
  out += "Total reclaimed space: " + human_size(static_cast<std::int64_t>(result.reclaimed)) + "\n";
  return out;
}

}  // namespace lit::app
