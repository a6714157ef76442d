#pragma once
// One project file as the loader reads it (parse, top-level checks,
// interpolation, canonical shapes), and the relative paths of a file that lives
// in another directory than the project's (include:, extends: file:) made
// absolute against its own directory, as compose resolves them.
#include <string>
#include <vector>

#include "reconciler/load/diag.hpp"
#include "reconciler/load/extends.hpp"
#include "reconciler/load/interpolate.hpp"
#include "reconciler/load/tree.hpp"

namespace lit::reconciler::load {

struct FileSet {
  std::string project_dir;  // absolute; files inside it are shown relative to it
  Diag& diag;
  bool interpolate = true;  // off for `lit config --no-interpolate`
  // Every other file read for the project (include:, their env files,
  // extends: file:), appended once each, when set (Project::sources).
  std::vector<std::string>* read_files = nullptr;

  void note_read(const std::string& path) const;

  // A file as messages show it: relative to the project dir when inside it.
  std::string display(const std::string& file) const;
  // A parsed file's root: checks, `version` dropped, interpolation (unless
  // off), canonical shapes.
  void prepare(Node& root, const Lookup& lookup) const;
  // Parses and prepares the file at absolute `path`.
  Node read(const std::string& path, const Lookup& lookup) const;
  // The reader of `extends: file:` for a file in `dir`: paths relative to dir,
  // the other file's own relative paths made absolute against its directory.
  FileReader extends_reader(const std::string& dir, const Lookup& lookup) const;
};

// Makes the relative host paths of root (build contexts, env_file, extends
// files, bind sources, top-level secret and config files) absolute against dir.
void rebase_paths(Node& root, const std::string& dir);

}  // namespace lit::reconciler::load
