#pragma once
// docker's --format for the list commands: "table" (the command's own table),
// "table TEMPLATE" (a header row, then the rows, aligned by docker's
// tabwriter), "json" (one JSON object per row and line), or a TEMPLATE printed
// once per row. Templates are the part of Go's text/template that scripts use:
// literal text, {{.Field}}, {{.A.B}}, {{.Label "key"}}, {{json .}},
// {{json .Field}}, the functions docker adds (upper, lower, title, join,
// split, pad, truncate), pipes ({{.Name | upper}}), {{- and -}} trimming, and
// `\t` / `\n` written as two characters, as docker reads them.
#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace lit::app {

// One row: its fields (in docker's order; what {{json .}} prints) and, for
// containers, its labels for {{.Label "key"}}.
struct FormatRow {
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
  std::map<std::string, std::string> labels;
};

// What one list command offers a template.
struct FormatSpec {
  std::map<std::string, std::string> headers;  // every field -> its table header
  std::string default_table;                   // "table {{.ID}}\t{{.Name}}": "" and "table"
  bool labels = false;                         // rows answer {{.Label "key"}}
  std::string flag = "--format";               // named in errors
};

struct TemplateNode;

// A parsed --format value. The constructor throws lit::Error naming the flag
// and what is wrong (an unknown field or function, a syntax error) in one line.
class OutputFormat {
 public:
  OutputFormat(std::string_view text, const FormatSpec& spec);
  ~OutputFormat();
  OutputFormat(OutputFormat&&) noexcept;
  OutputFormat& operator=(OutputFormat&&) noexcept;

  bool table() const { return table_; }
  bool json() const { return json_; }
  // The whole output for these rows (a header row first for a table).
  // Throws lit::Error when a nested field (.A.B) is missing from a row.
  std::string render(const std::vector<FormatRow>& rows) const;

 private:
  std::string text_;  // as given, for errors
  FormatSpec spec_;
  bool table_ = false, json_ = false;
  std::vector<TemplateNode> nodes_;
};

// Go's text/tabwriter as docker sets it up (minwidth, tabwidth 1, padding,
// padchar ' ', no flags): tab-terminated cells aligned in columns, column
// blocks as Go forms them, widths in UTF-8 code points.
std::string tabwrite(std::string_view text, std::size_t min_width = 10, std::size_t padding = 3);

// A header for a field docker has none for: "RunningFor" -> "RUNNING FOR".
std::string field_header(std::string_view field);

// Go's fmt %v of a value: strings bare, lists "[a b]", objects "{v1 v2}".
std::string go_print(const nlohmann::ordered_json& value);

}  // namespace lit::app
