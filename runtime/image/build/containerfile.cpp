#include "runtime/image/build/containerfile.hpp"

#include <algorithm>
#include <cctype>

#include "runtime/image/build/instruction.hpp"
#include "runtime/image/build/source_lines.hpp"
#include "runtime/image/build/words.hpp"
#include "runtime/util/error.hpp"

namespace lit::image::build {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string suggestion(const std::string& name) {
  std::string best;
  std::size_t best_d = 3;  // at most two edits away
  for (const auto& n : instruction_names()) {
    std::size_t d = edit_distance(name, n);
    if (d < best_d) best = n, best_d = d;
  }
  return best.empty() ? "instructions are FROM, RUN, COPY, ADD, ENV, ARG, ... (see the Dockerfile "
                        "reference)"
                      : "did you mean " + best + "?";
}

// Reads the bodies of the heredocs opened on the instruction's line.
std::vector<Heredoc> read_heredocs(SourceLines& src, const std::string& line, int start) {
  std::vector<Heredoc> out;
  for (const auto& w : heredocs_on_line(line)) {
    Heredoc h{w.name, {}, w.chomp, w.expand};
    bool done = false;
    while (auto raw = src.next_raw_line()) {
      std::string_view t = *raw;
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
      if (h.chomp) t.remove_prefix(std::min(t.find_first_not_of('\t'), t.size()));
      if (t == h.name) {
        done = true;
        break;
      }
      h.content += *raw;
    }
    if (!done)
      fail_at(src.file(), start, "unterminated heredoc <<" + h.name,
              "end it with a line \"" + h.name + "\"");
    if (h.chomp) {  // leading tabs go from every line of the body
      std::string body;
      bool bol = true;
      for (char c : h.content) {
        if (bol && c == '\t') continue;
        bol = c == '\n';
        body += c;
      }
      h.content = std::move(body);
    }
    out.push_back(std::move(h));
  }
  return out;
}

Stage parse_from(CommandSplit& cs, int line) {
  Flags flags(cs.flags);
  if (flags.take("platform"))
    throw Error("--platform is not supported by lit", {}, 0,
                "lit builds for the host's platform: remove --platform");
  flags.finish();
  std::vector<std::string> args = blank_words(cs.args);
  Stage st;
  st.line = line;
  if (args.size() == 3 && upper(args[1]) == "AS") {
    st.name = args[2];
    for (char& c : st.name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = std::islower(static_cast<unsigned char>(st.name[0]));
    for (char c : st.name)
      ok = ok && (std::islower(static_cast<unsigned char>(c)) ||
                  std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    if (!ok)
      throw Error("invalid name for build stage: \"" + args[2] + "\"", {}, 0,
                  "a stage name starts with a letter and has only letters, digits, - _ and .");
  } else if (args.size() != 1) {
    throw Error("requires either one or three arguments", {}, 0, "write FROM IMAGE [AS NAME]");
  }
  st.base = args[0];
  return st;
}

bool is_json(const std::string& args) {
  try {
    return json_array(args).has_value();
  } catch (const Error&) {
    return true;
  }
}

// One logical line into the file: a new stage, a global ARG or a step of the current stage.
void add_line(Containerfile& cf, SourceLines& src, const LogicalLine& l) {
  CommandSplit cs = split_command(l.text);
  std::string name = upper(cs.name);
  try {
    if (name == "FROM") {
      cf.stages.push_back(parse_from(cs, l.line));
      return;
    }
    std::string inner = name == "ONBUILD" ? upper(split_command(cs.args).name) : name;
    std::vector<Heredoc> docs;
    if (takes_heredocs(inner) && !is_json(split_command(name == "ONBUILD" ? cs.args : l.text).args))
      docs = read_heredocs(src, l.text, l.line);
    if (std::find(instruction_names().begin(), instruction_names().end(), name) ==
        instruction_names().end())
      fail_at(src.file(), l.line, "unknown instruction \"" + cs.name + "\"", suggestion(name));
    Request r{name, Flags(cs.flags), cs.args, l.text, src.directives().escape, std::move(docs),
              false};
    Step step{l.line, l.text, parse_instruction(r)};
    if (!cf.stages.empty())
      cf.stages.back().steps.push_back(std::move(step));
    else if (name == "ARG")
      cf.global_args.push_back(std::move(step));
    else
      fail_at(src.file(), l.line, name + " before the first FROM", "only ARG may come before FROM");
  } catch (Error& e) {
    if (e.what() == std::string_view(src.file()) ||
        std::string_view(e.what()).starts_with(src.file() + ":"))
      throw;
    fail_at(src.file(), l.line, name + ": " + e.what(), e.hint());
  }
}

}  // namespace

Containerfile parse_containerfile(std::string_view text, const std::string& file) {
  SourceLines src(text, file);
  Containerfile cf;
  cf.file = file;
  while (auto l = src.next()) add_line(cf, src, *l);
  cf.escape = src.directives().escape;
  cf.syntax = src.directives().syntax;
  if (cf.stages.empty() && cf.global_args.empty())
    fail_at(file, std::max(src.current_line(), 1), "file with no instructions",
            "a Containerfile starts with FROM IMAGE");
  if (cf.stages.empty())
    fail_at(file, cf.global_args.back().line, "no FROM instruction", "add FROM IMAGE");
  return cf;
}

std::string instruction_name(const Instruction& what) {
  static const char* const names[] = {"ARG",    "ENV",         "LABEL", "WORKDIR",    "USER",
                                      "COPY",   "RUN",         "CMD",   "ENTRYPOINT", "EXPOSE",
                                      "VOLUME", "HEALTHCHECK", "SHELL", "STOPSIGNAL", "ONBUILD"};
  if (const auto* c = std::get_if<Copy>(&what); c && c->add) return "ADD";
  return names[what.index()];
}

}  // namespace lit::image::build
