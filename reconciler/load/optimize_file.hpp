#pragma once
// lit.optimize.yml: the memory limits `lit optimize apply` chose from
// measurement, kept beside the project's own files and merged over them by
// every command that loads the project (delete it to go back to the files'
// limits). Its form is a compose override file (services.NAME.mem_limit),
// so docker compose -f reads it too; lit writes it and reads only that key.
#include <filesystem>
#include <map>
#include <string>

#include "reconciler/load/diag.hpp"
#include "reconciler/model.hpp"

namespace lit::reconciler::load {

inline constexpr const char* kOptimizeFile = "lit.optimize.yml";

// services.NAME.mem_limit of the file, in bytes; located errors for anything else.
std::map<std::string, std::int64_t> read_optimize_file(const std::filesystem::path& file);

// Reads <project dir>/lit.optimize.yml when it exists and sets its limits on
// the project's services (Service::memory_from_optimize where the files set
// none); a service it names that the project lacks is a warning.
void apply_optimize_file(Project& project, Diag& diag);

}  // namespace lit::reconciler::load
