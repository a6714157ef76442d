// docker's --format: a small Go-template subset, parsed once and rendered per row.
#include "app/views/format_template.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "runtime/util/error.hpp"

namespace lit::app {

using Json = nlohmann::ordered_json;

namespace {

std::size_t display_width(std::string_view s) {  // UTF-8 continuation bytes take no column
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

}  // namespace

// ---- the template's parts ----

struct Operand {
  enum class Kind { Field, Dot, String, Number, Function };
  Kind kind = Kind::Dot;
  std::vector<std::string> path;  // Field: {"A", "B"} for .A.B
  std::string text;               // String: its value; Function: its name
  long long number = 0;
};

struct Command {
  std::vector<Operand> operands;
};

struct TemplateNode {
  bool action = false;
  std::string text;               // literal text
  std::vector<Command> pipeline;  // an action: commands joined by |
};

namespace {

struct FunctionInfo {
  std::size_t arity;
};

const std::map<std::string, FunctionInfo, std::less<>>& functions() {
  static const std::map<std::string, FunctionInfo, std::less<>> f = {
      {"json", {1}}, {"upper", {1}}, {"lower", {1}},    {"title", {1}},
      {"join", {2}}, {"split", {2}}, {"truncate", {2}}, {"pad", {3}},
  };
  return f;
}

// Errors name the flag and the value as docker's flag errors do.
[[noreturn]] void fail(const std::string& flag, std::string_view text, const std::string& what) {
  throw Error("invalid value \"" + std::string(text) + "\" for flag " + flag + ": " + what);
}

class Lexer {
 public:
  Lexer(std::string_view action, const std::string& flag, std::string_view text)
      : s_(action), flag_(flag), text_(text) {}

  std::vector<Command> pipeline() {
    std::vector<Command> out(1);
    for (;;) {
      skip_space();
      if (pos_ >= s_.size()) break;
      if (s_[pos_] == '|') {
        if (out.back().operands.empty()) fail(flag_, text_, "missing command before |");
        ++pos_;
        out.emplace_back();
        continue;
      }
      out.back().operands.push_back(operand());
    }
    if (out.back().operands.empty()) fail(flag_, text_, "missing value for command");
    return out;
  }

 private:
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])) != 0) ++pos_;
  }

  std::string ident() {
    std::size_t start = pos_;
    while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  Operand operand() {
    char c = s_[pos_];
    Operand o;
    if (c == '.') return field();
    if (c == '"' || c == '`') {
      o.kind = Operand::Kind::String;
      o.text = c == '"' ? quoted() : raw();
      return o;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0 ||
        (c == '-' && pos_ + 1 < s_.size() &&
         std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
      std::size_t start = pos_++;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])) != 0) ++pos_;
      o.kind = Operand::Kind::Number;
      o.number = std::stoll(std::string(s_.substr(start, pos_ - start)));
      return o;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) != 0) {
      o.kind = Operand::Kind::Function;
      o.text = ident();
      if (!functions().contains(o.text))
        fail(flag_, text_, "function \"" + o.text + "\" not defined");
      return o;
    }
    fail(flag_, text_, std::string("unexpected \"") + c + "\" in {{" + std::string(s_) + "}}");
  }

  Operand field() {
    Operand o;
    ++pos_;                                                       // the dot
    if (pos_ >= s_.size() || !is_ident_char(s_[pos_])) return o;  // `.` itself
    o.kind = Operand::Kind::Field;
    o.path.push_back(ident());
    while (pos_ + 1 < s_.size() && s_[pos_] == '.' && is_ident_char(s_[pos_ + 1])) {
      ++pos_;
      o.path.push_back(ident());
    }
    return o;
  }

  std::string quoted() {
    std::string out;
    for (++pos_; pos_ < s_.size() && s_[pos_] != '"'; ++pos_) {
      char c = s_[pos_];
      if (c == '\\' && pos_ + 1 < s_.size()) {
        c = s_[++pos_];
        if (c == 'n') c = '\n';
        if (c == 't') c = '\t';
      }
      out += c;
    }
    if (pos_ >= s_.size()) fail(flag_, text_, "unterminated quoted string");
    ++pos_;
    return out;
  }

  std::string raw() {
    std::size_t end = s_.find('`', pos_ + 1);
    if (end == std::string_view::npos) fail(flag_, text_, "unterminated raw quoted string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  const std::string& flag_;
  std::string_view text_;
};

// Where the action that starts at `open` ("{{") ends: its "}}" outside quotes.
std::size_t action_end(std::string_view s, std::size_t open) {
  char quote = 0;
  for (std::size_t i = open + 2; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '`') {
      quote = c;
    } else if (c == '}' && s[i + 1] == '}') {
      return i;
    }
  }
  return std::string_view::npos;
}

void trim_right(std::string& s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.pop_back();
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  return s;
}

std::vector<TemplateNode> parse_template(std::string_view s, const std::string& flag,
                                         std::string_view text) {
  std::vector<TemplateNode> nodes;
  bool trim_next = false;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t open = s.find("{{", pos);
    std::string_view literal = s.substr(pos, open == std::string_view::npos ? open : open - pos);
    if (trim_next) literal = trim_left(literal);
    nodes.push_back({false, std::string(literal), {}});
    if (open == std::string_view::npos) break;
    std::size_t close = action_end(s, open);
    if (close == std::string_view::npos) fail(flag, text, "unclosed action");
    std::string_view inside = s.substr(open + 2, close - open - 2);
    if (inside.size() >= 2 && inside[0] == '-' &&
        std::isspace(static_cast<unsigned char>(inside[1])) != 0) {
      trim_right(nodes.back().text);
      inside.remove_prefix(2);
    }
    trim_next = inside.size() >= 2 && inside.back() == '-' &&
                std::isspace(static_cast<unsigned char>(inside[inside.size() - 2])) != 0;
    if (trim_next) inside.remove_suffix(2);
    nodes.push_back({true, {}, Lexer(inside, flag, text).pipeline()});
    pos = close + 2;
  }
  return nodes;
}

std::string replace_escapes(std::string_view s) {  // docker: `\t` and `\n` as typed
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      out += s[i + 1] == 't' ? '\t' : '\n';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string known_fields(const FormatSpec& spec) {
  std::string out;
  for (const auto& [name, _] : spec.headers) out += (out.empty() ? "" : ", ") + name;
  if (spec.labels) out += ", Label \"KEY\"";
  return out;
}

// Fields and arities, checked once so that a typo fails before any output.
void check_command(const Command& c, bool piped, const FormatSpec& spec, std::string_view text) {
  const Operand& first = c.operands.front();
  std::size_t args = c.operands.size() - 1 + (piped ? 1 : 0);
  for (std::size_t i = 1; i < c.operands.size(); ++i)
    if (c.operands[i].kind == Operand::Kind::Function)
      fail(spec.flag, text,
           "wrong number of args for " + c.operands[i].text + ": want " +
               std::to_string(functions().find(c.operands[i].text)->second.arity) + " got 0");
  for (const auto& o : c.operands) {
    if (o.kind != Operand::Kind::Field) continue;
    const std::string& name = o.path.front();
    if (spec.headers.contains(name) || (spec.labels && name == "Label" && o.path.size() == 1))
      continue;
    fail(spec.flag, text, "no field \"" + name + "\" (fields: " + known_fields(spec) + ")");
  }
  if (first.kind == Operand::Kind::Function) {
    std::size_t want = functions().find(first.text)->second.arity;
    if (args != want)
      fail(spec.flag, text,
           "wrong number of args for " + first.text + ": want " + std::to_string(want) + " got " +
               std::to_string(args));
    return;
  }
  bool label = first.kind == Operand::Kind::Field && first.path.front() == "Label";
  if (label && (args != 1 || c.operands.size() != 2 || c.operands[1].kind != Operand::Kind::String))
    fail(spec.flag, text, "use {{.Label \"KEY\"}}");
  if (!label && args > 0) {
    std::string what = first.kind == Operand::Kind::Field ? "." + first.path.front() : "value";
    fail(spec.flag, text, "can't give argument to non-function " + what);
  }
}

// ---- evaluation ----

std::string to_upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string to_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string to_title(std::string s) {  // Go's strings.Title: each word's first letter
  bool start = true;
  for (auto& c : s) {
    if (start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    start = !is_ident_char(c) && (static_cast<unsigned char>(c) & 0x80) == 0;
  }
  return s;
}

long long as_number(const Json& v, const std::string& flag) {
  if (v.is_number_integer()) return v.get<long long>();
  throw Error("--format: " + flag + " wants a number, got " + go_print(v));
}

class Evaluator {
 public:
  Evaluator(const FormatSpec& spec, const FormatRow* row) : spec_(spec), row_(row) {}

  Json pipeline(const std::vector<Command>& cmds) const {
    std::optional<Json> piped;
    for (const auto& c : cmds) piped = command(c, piped);
    return *piped;
  }

 private:
  Json command(const Command& c, const std::optional<Json>& piped) const {
    const Operand& first = c.operands.front();
    if (first.kind == Operand::Kind::Field && first.path.front() == "Label")
      return label(c.operands[1].text);
    if (first.kind != Operand::Kind::Function) return operand(first);
    std::vector<Json> args;
    for (std::size_t i = 1; i < c.operands.size(); ++i) args.push_back(operand(c.operands[i]));
    if (piped) args.push_back(*piped);
    return call(first.text, args);
  }

  Json label(const std::string& key) const {
    if (row_ == nullptr) return field_header("Label");
    auto it = row_->labels.find(key);
    return it == row_->labels.end() ? "" : it->second;
  }

  Json operand(const Operand& o) const {
    switch (o.kind) {
      case Operand::Kind::String:
        return o.text;
      case Operand::Kind::Number:
        return o.number;
      case Operand::Kind::Dot:
        return row_ ? row_->fields : Json("");
      case Operand::Kind::Field:
        return field(o.path);
      case Operand::Kind::Function:
        return call(o.text, {});
    }
    return "";
  }

  Json field(const std::vector<std::string>& path) const {
    if (row_ == nullptr) {  // the header row: each field's header
      auto it = spec_.headers.find(path.front());
      return path.size() == 1 && it != spec_.headers.end() ? it->second : field_header(path.back());
    }
    const Json* v = &row_->fields;
    std::string walked;
    for (const auto& name : path) {
      walked += "." + name;
      if (!v->is_object() || !v->contains(name))
        throw Error("--format: can't evaluate field " + walked + ": no such field");
      v = &(*v)[name];
    }
    return *v;
  }

  Json call(const std::string& fn, const std::vector<Json>& a) const {
    if (row_ == nullptr) return a.empty() ? Json("") : a.front();  // docker's header functions
    if (fn == "json") return a[0].dump();
    std::string s = go_print(a[0]);
    if (fn == "upper") return to_upper(s);
    if (fn == "lower") return to_lower(s);
    if (fn == "title") return to_title(s);
    if (fn == "pad")
      return std::string(static_cast<std::size_t>(std::max(0LL, as_number(a[1], "pad"))), ' ') + s +
             std::string(static_cast<std::size_t>(std::max(0LL, as_number(a[2], "pad"))), ' ');
    if (fn == "truncate") {
      auto n = static_cast<std::size_t>(std::max(0LL, as_number(a[1], "truncate")));
      return s.size() < n ? s : s.substr(0, n);
    }
    if (fn == "split") return split(s, go_print(a[1]));
    return join(a[0], go_print(a[1]));
  }

  static Json split(const std::string& s, const std::string& sep) {
    Json out = Json::array();
    if (sep.empty()) {
      for (char c : s) out.push_back(std::string(1, c));
      return out;
    }
    std::size_t pos = 0;
    for (std::size_t at; (at = s.find(sep, pos)) != std::string::npos; pos = at + sep.size())
      out.push_back(s.substr(pos, at - pos));
    out.push_back(s.substr(pos));
    return out;
  }

  static Json join(const Json& list, const std::string& sep) {
    if (!list.is_array()) throw Error("--format: join wants a list, got " + go_print(list));
    std::string out;
    for (std::size_t i = 0; i < list.size(); ++i) out += (i ? sep : "") + go_print(list[i]);
    return out;
  }

  const FormatSpec& spec_;
  const FormatRow* row_;  // null: the header row
};

std::string render_row(const std::vector<TemplateNode>& nodes, const Evaluator& ev) {
  std::string out;
  for (const auto& n : nodes) out += n.action ? go_print(ev.pipeline(n.pipeline)) : n.text;
  return out;
}

}  // namespace

std::string go_print(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "<nil>";
  if (v.is_array() || v.is_object()) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : " ") + go_print(e);
    return v.is_array() ? "[" + out + "]" : "{" + out + "}";
  }
  return v.dump();
}

std::string field_header(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    bool upper = std::isupper(static_cast<unsigned char>(c)) != 0;
    bool next_lower =
        i + 1 < field.size() && std::islower(static_cast<unsigned char>(field[i + 1]));
    bool prev_lower = i > 0 && std::islower(static_cast<unsigned char>(field[i - 1]));
    if (i > 0 && upper && (prev_lower || next_lower)) out += ' ';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

OutputFormat::OutputFormat(std::string_view text, const FormatSpec& spec)
    : text_(text), spec_(spec) {
  std::string_view source = text;
  if (source.empty()) source = spec_.default_table;
  json_ = source == "json";
  if (json_) return;
  table_ = source.starts_with("table");
  if (table_) {
    source.remove_prefix(5);
    if (source.find_first_not_of(' ') == std::string_view::npos) source = spec_.default_table;
    if (source.starts_with("table")) source.remove_prefix(5);
  }
  while (!source.empty() && source.front() == ' ') source.remove_prefix(1);
  while (!source.empty() && source.back() == ' ') source.remove_suffix(1);
  nodes_ = parse_template(replace_escapes(source), spec_.flag, text_);
  for (const auto& n : nodes_)
    for (std::size_t i = 0; i < n.pipeline.size(); ++i)
      check_command(n.pipeline[i], i > 0, spec_, text_);
}

OutputFormat::~OutputFormat() = default;
OutputFormat::OutputFormat(OutputFormat&&) noexcept = default;
OutputFormat& OutputFormat::operator=(OutputFormat&&) noexcept = default;

std::string OutputFormat::render(const std::vector<FormatRow>& rows) const {
  std::string out;
  if (json_) {
    for (const auto& r : rows) out += r.fields.dump() + "\n";
    return out;
  }
  if (table_) out += render_row(nodes_, Evaluator(spec_, nullptr)) + "\n";
  for (const auto& r : rows) out += render_row(nodes_, Evaluator(spec_, &r)) + "\n";
  return table_ ? tabwrite(out) : out;
}

// ---- Go's tabwriter ----

namespace {

class TabWriter {
 public:
  TabWriter(std::string_view text, std::size_t min_width, std::size_t padding)
      : min_(min_width), pad_(padding) {
    std::vector<std::string> line;
    std::string cell;
    for (char c : text) {
      if (c == '\t' || c == '\n') {
        line.push_back(std::move(cell));
        cell.clear();
        if (c == '\n') lines_.push_back(std::move(line)), line.clear();
      } else {
        cell += c;
      }
    }
    if (!cell.empty()) line.push_back(std::move(cell));
    terminated_ = line.empty();
    if (!line.empty()) lines_.push_back(std::move(line));
  }

  std::string run() {
    format(0, lines_.size());
    return std::move(out_);
  }

 private:
  void write_lines(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const auto& line = lines_[i];
      for (std::size_t j = 0; j < line.size(); ++j) {
        out_ += line[j];
        if (j < widths_.size()) out_.append(widths_[j] - display_width(line[j]), ' ');
      }
      if (i + 1 < lines_.size() || terminated_) out_ += '\n';
    }
  }

  // Go's Writer.format: a column block is the run of lines with a cell in
  // this column; its width is its widest cell plus padding, at least min.
  void format(std::size_t line0, std::size_t line1) {
    std::size_t column = widths_.size();
    for (std::size_t at = line0; at < line1; ++at) {
      if (column + 1 >= lines_[at].size()) continue;
      write_lines(line0, at);
      line0 = at;
      std::size_t width = min_;
      for (; at < line1 && column + 1 < lines_[at].size(); ++at)
        width = std::max(width, display_width(lines_[at][column]) + pad_);
      widths_.push_back(width);
      format(line0, at);
      widths_.pop_back();
      line0 = at;
      if (at == line1) break;
    }
    write_lines(line0, line1);
  }

  std::vector<std::vector<std::string>> lines_;
  std::vector<std::size_t> widths_;
  std::string out_;
  std::size_t min_, pad_;
  bool terminated_ = true;
};

}  // namespace

std::string tabwrite(std::string_view text, std::size_t min_width, std::size_t padding) {
  return TabWriter(text, min_width, padding).run();
}

}  // namespace lit::app
