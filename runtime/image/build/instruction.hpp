#pragma once
// Turning one logical line into a typed instruction (internal to the parser).
#include <optional>
#include <string>
#include <vector>

#include "runtime/image/build/containerfile.hpp"
#include "runtime/image/build/words.hpp"

namespace lit::image::build {

// The leading flags of an instruction; each parser takes the ones it knows,
// and any left over is an error ("unknown flag: --foo").
class Flags {
 public:
  explicit Flags(std::vector<std::string> raw) : raw_(std::move(raw)) {}
  std::optional<std::string> take(const std::string& name);  // at most once
  std::vector<std::string> take_all(const std::string& name);
  bool take_bool(const std::string& name);
  void finish() const;

 private:
  std::vector<std::string> raw_;
  std::vector<bool> used_;
  std::vector<std::optional<std::string>> take_matching(const std::string& name);
};

struct Request {
  std::string name;  // upper case
  Flags flags;
  std::string args;
  std::string original;
  char escape = '\\';
  std::vector<Heredoc> heredocs;  // read after the line, in order
  bool json = false;              // the arguments are a JSON array
};

// Each throws lit::Error with just the problem; the caller adds "FILE:LINE: NAME: ".
Instruction parse_instruction(Request& r);
Instruction parse_run(Request& r);
Instruction parse_healthcheck(Request& r);
RunMount parse_mount(const std::string& spec);

// True for the instructions whose shell form may open heredocs.
bool takes_heredocs(const std::string& upper_name);
// All instruction names, upper case (FROM included).
const std::vector<std::string>& instruction_names();

}  // namespace lit::image::build
