#pragma once
// What the list commands share: the --format to use (the flag's, else the
// docker config file's psFormat / imagesFormat / networksFormat, as docker
// reads it) and printing rows with it.
#include <string>
#include <vector>

#include "app/views/format_template.hpp"

namespace lit::app {

// The format text and what errors call it ("--format", or "psFormat in
// /root/.docker/config.json").
struct FormatChoice {
  std::string text;
  std::string flag = "--format";
};

// flag_value when given; else config_key from $DOCKER_CONFIG/config.json
// (else ~/.docker/config.json) when set there; else "" (the default table).
FormatChoice choose_format(const std::string& flag_value, const char* config_key);

// The format parsed against the command's spec, errors naming where it came
// from: parse it before the work, so that a typo fails before any output.
OutputFormat parse_format(const FormatChoice& format, FormatSpec spec);

// Parses the format against the command's spec (an unknown field fails here,
// before anything is printed), renders the rows and prints them.
void print_rows(const FormatChoice& format, FormatSpec spec, const std::vector<FormatRow>& rows);

}  // namespace lit::app
