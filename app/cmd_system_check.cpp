// lit system check [--fix]: finds anything of lit's on the host that no record
// explains (runtime/lifecycle/leftovers.hpp, network/leftovers.hpp), says what
// each is and why it is judged stale, and with --fix removes it. It never
// touches what is not lit's: everything it looks at is found by lit's names.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "app/views/table.hpp"
#include "network/leftovers.hpp"
#include "runtime/image/store_check.hpp"
#include "runtime/lifecycle/leftovers.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {

namespace {

std::vector<runtime::Leftover> find_leftovers(const Paths& paths) {
  const runtime::ContainerCensus census(paths);
  std::vector<runtime::Leftover> found = runtime::container_leftovers(paths, census);
  for (auto& l : network::network_leftovers(paths, census)) found.push_back(std::move(l));
  for (auto& l : image::image_store_leftovers(paths.images())) found.push_back(std::move(l));
  // In the order --fix removes them: a supervisor before what its container held.
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.kind < b.kind; });
  return found;
}

void print_json(const std::vector<runtime::Leftover>& found) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : found)
    out.push_back({{"Kind", runtime::to_string(l.kind)}, {"Object", l.object}, {"Why", l.why}});
  std::printf("%s\n", out.dump().c_str());
}

}  // namespace

void register_system_check(CLI::App& system, Context& ctx) {
  struct Opts {
    bool fix = false;
    std::string format;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = system.add_subcommand(
      "check", "Find what lit left on the host that no record explains (--fix removes it)");
  cmd->add_flag("--fix", o->fix, "Remove what was found");
  cmd->add_option("--format", o->format, "json: one JSON array")->check(CLI::IsMember({"json"}));
  cmd->callback([&ctx, o] {
    const std::vector<runtime::Leftover> found = find_leftovers(ctx.paths);
    if (o->format == "json") {
      print_json(found);
    } else if (found.empty()) {
      std::printf("nothing of lit's is left over\n");
    } else {
      TableRows rows{{"KIND", "OBJECT", "WHY"}};
      for (const auto& l : found)
        rows.push_back({std::string(runtime::to_string(l.kind)), l.object, l.why});
      std::fputs(format_table(rows).c_str(), stdout);
    }
    if (found.empty()) return;
    if (!o->fix) {
      std::fprintf(stderr, "lit: %zu left over; `lit system check --fix` removes %s\n",
                   found.size(), found.size() == 1 ? "it" : "them");
      ctx.exit_code = 1;
      return;
    }
    std::size_t failed = 0;
    for (const auto& l : found) {
      try {
        l.remove();
        std::fprintf(stderr, "removed %s %s\n", std::string(runtime::to_string(l.kind)).c_str(),
                     l.object.c_str());
      } catch (const std::exception& e) {
        ++failed;
        std::fprintf(stderr, "lit: could not remove %s %s: %s\n",
                     std::string(runtime::to_string(l.kind)).c_str(), l.object.c_str(), e.what());
        if (const auto* error = dynamic_cast<const Error*>(&e); error && !error->hint().empty())
          std::fprintf(stderr, "hint: %s\n", error->hint().c_str());
      }
    }
    if (failed > 0) ctx.exit_code = 1;
  });
}

}  // namespace lit::app
