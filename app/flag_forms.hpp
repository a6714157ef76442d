#pragma once
// Flag spellings docker's parser (pflag) accepts that CLI11 does not read the
// same way.
#include <CLI/CLI.hpp>

namespace lit::app {

// `-f=PATH`, `-t=0`: pflag reads a short option's `=VALUE` as VALUE; CLI11
// keeps the '='. Every short option of `app` and its subcommands that takes a
// value drops a leading '=' first (before its checks and its conversion).
void accept_short_option_equals(CLI::App& app);

}  // namespace lit::app
