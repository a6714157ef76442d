#pragma once
// A Containerfile (Dockerfile) as a typed value: stages, each a list of typed
// instructions with their source line. Parsing follows BuildKit's frontend
// (frontend/dockerfile/parser and instructions): parser directives, line
// continuations, comments, heredocs, flags, JSON and shell forms. Words keep
// their quotes here; substitution (expand.hpp) removes them, as BuildKit's
// shell lexer does, for the instructions it applies to.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lit::image::build {

struct KeyValue {
  std::string key, value;
  bool operator==(const KeyValue&) const = default;
};

// `<<EOF` (expand: the word was unquoted), `<<-EOF` (chomp: leading tabs removed).
struct Heredoc {
  std::string name;
  std::string content;  // every line with its newline, without the terminator
  bool chomp = false;
  bool expand = true;
  bool operator==(const Heredoc&) const = default;
};

// A command in shell form (one string, run by the stage's SHELL) or exec form (a JSON array).
struct CommandLine {
  std::vector<std::string> args;
  bool shell_form = true;
  bool operator==(const CommandLine&) const = default;
};

struct ArgDecl {
  std::string name;
  std::optional<std::string> value;  // the default, before substitution
  bool operator==(const ArgDecl&) const = default;
};
struct Arg {
  std::vector<ArgDecl> args;
};
struct Env {
  std::vector<KeyValue> vars;
};
struct Label {
  std::vector<KeyValue> labels;
  bool literal = false;  // from MAINTAINER: taken as written, no substitution
};
struct Workdir {
  std::string path;
};
struct User {
  std::string user;
};
// COPY and ADD (add = true).
struct Copy {
  bool add = false;
  std::vector<std::string> sources;
  std::vector<Heredoc> inline_sources;  // `COPY <<EOF /dest`: a file of that content
  std::string dest;
  std::string from, chown, chmod;
  bool link = false;
  std::optional<std::size_t> from_stage;  // set by substitution: --from names an earlier stage
};
// `RUN --mount=...`: type=cache (a directory kept between builds), bind (files
// of the context, a stage or an image, read-only) or tmpfs.
struct RunMount {
  std::string type = "bind";  // BuildKit's default
  std::string target;
  std::string id;                  // cache: defaults to the target
  std::string sharing = "shared";  // cache: shared, private or locked
  std::string from;                // bind: a stage or an image ("": the context)
  std::string source;              // bind: the path in `from` (default: its root)
  bool read_only = false;          // bind: always
  std::optional<unsigned> mode, uid, gid;
  std::string size;                       // tmpfs: "64m" ("": the kernel's default)
  std::optional<std::size_t> from_stage;  // set by substitution: `from` names an earlier stage
  bool operator==(const RunMount&) const = default;
};
struct Run {
  CommandLine command;
  std::vector<Heredoc> heredocs;
  std::vector<RunMount> mounts;
  std::string network;  // "", "default", "none" or "host"
};
struct Cmd {
  CommandLine command;
};
struct Entrypoint {
  CommandLine command;
};
struct Expose {
  std::vector<std::string> ports;
};
struct Volume {
  std::vector<std::string> paths;
};
// HEALTHCHECK NONE (test = {"NONE"}) or CMD: test = {"CMD", args...} or {"CMD-SHELL", line}.
struct Healthcheck {
  std::vector<std::string> test;
  std::chrono::nanoseconds interval{0}, timeout{0}, start_period{0}, start_interval{0};
  int retries = 0;  // 0: the default
};
struct Shell {
  std::vector<std::string> shell;
};
struct StopSignal {
  std::string signal;
};
// Recorded for images built FROM this one; not run here.
struct Onbuild {
  std::string expression;
};

using Instruction = std::variant<Arg, Env, Label, Workdir, User, Copy, Run, Cmd, Entrypoint, Expose,
                                 Volume, Healthcheck, Shell, StopSignal, Onbuild>;

struct Step {
  int line = 0;          // 1-based line where the instruction starts
  std::string original;  // the instruction as written (continuations joined)
  Instruction what;
};

struct Stage {
  int line = 0;
  std::string base;  // FROM's image (or earlier stage, or "scratch"), before substitution
  std::string name;  // `AS name`, lowercased; "" when unnamed
  std::vector<Step> steps;
};

struct Containerfile {
  std::string file;               // as shown in messages ("Containerfile")
  char escape = '\\';             // the escape directive
  std::string syntax;             // the syntax directive (recorded, not used)
  std::vector<Step> global_args;  // ARG instructions before the first FROM
  std::vector<Stage> stages;
};

// Parses a Containerfile. Throws lit::Error "FILE:LINE: ..." naming the
// instruction (`Containerfile:7: unknown instruction "CPY"`, with a hint).
Containerfile parse_containerfile(std::string_view text, const std::string& file);

// The upper-case instruction name of an instruction ("COPY", "ADD", "RUN"...).
std::string instruction_name(const Instruction& what);

}  // namespace lit::image::build
