// lit optimize report / apply: optimize.auto_memory_tune's measurements per
// service and the limits lit suggests from them (reconciler/optimize.hpp);
// `apply` writes them into lit.optimize.yml, which `lit up` merges and
// applies with the usual recreate.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "app/cmd_optimize_image.hpp"
#include "app/context.hpp"
#include "app/project.hpp"
#include "app/views/table.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/labels.hpp"
#include "reconciler/load/optimize_file.hpp"
#include "reconciler/optimize.hpp"
#include "runtime/image/slim.hpp"
#include "runtime/image/store.hpp"
#include "runtime/state/memory_samples.hpp"
#include "runtime/state/record_store.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {

namespace {

namespace fs = std::filesystem;
using namespace lit::reconciler;

// The services named (each must exist), or every one with auto_memory_tune
// or shrink_image on.
std::vector<const Service*> chosen(const Project& p, const std::vector<std::string>& names) {
  std::vector<const Service*> out;
  for (const auto& n : names) {
    auto it = p.services.find(n);
    if (it == p.services.end())
      throw NotFound("no such service: " + n, "lit config --services lists the project's services");
    out.push_back(&it->second);
  }
  if (names.empty())
    for (const auto& [_, s] : p.services)
      if (s.optimize.auto_memory_tune || s.optimize.shrink_image) out.push_back(&s);
  return out;
}

std::vector<MemoryAdvice> gather(const Context& ctx, const Project& p,
                                 const std::vector<const Service*>& services) {
  runtime::RecordStore store(ctx.paths);
  std::map<std::string, std::vector<ContainerMemory>> by_service;
  for (const auto& r : store.list()) {
    auto project = r.labels.find(kProjectLabel);
    auto service = r.labels.find(kServiceLabel);
    if (project == r.labels.end() || project->second != p.name || service == r.labels.end())
      continue;
    ContainerMemory c;
    c.name = r.name;
    c.samples = runtime::read_memory_samples(runtime::memory_samples_path(store, r.id));
    c.oom_killed = r.state.oom_killed;
    c.raises = r.state.memory_raises;
    c.running_limit = r.spec.limits.memory_bytes;
    by_service[service->second].push_back(std::move(c));
  }
  std::vector<MemoryAdvice> out;
  for (const Service* s : services) out.push_back(advise(*s, by_service[s->name]));
  return out;
}

std::string or_dash(const std::optional<std::int64_t>& v) {
  return v ? human_bytes(*v) : std::string("-");
}

std::string percent(double headroom) {
  return "+" + std::to_string(std::lround(headroom * 100)) + "%";
}

nlohmann::json advice_json(const MemoryAdvice& a) {
  auto opt = [](const std::optional<std::int64_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  nlohmann::json raises = nlohmann::json::array();
  for (const auto& r : a.raises)
    raises.push_back({{"at", r.at}, {"from", r.from}, {"to", r.to}, {"reason", r.reason}});
  const char* source = a.source == LimitSource::None           ? "none"
                       : a.source == LimitSource::OptimizeFile ? "lit.optimize.yml"
                                                               : "project";
  return {{"service", a.service},
          {"auto_memory_tune", a.tuned},
          {"containers", a.containers},
          {"samples", a.summary.samples},
          {"window_ms", a.summary.last_ms - a.summary.first_ms},
          {"peak", a.summary.peak},
          {"p95", a.summary.p95},
          {"limit", opt(a.limit)},
          {"limit_source", source},
          {"running_limit", opt(a.running_limit)},
          {"headroom", a.headroom},
          {"suggested", opt(a.suggested)},
          {"limit_hits", a.summary.limit_hits},
          {"oom_kills", a.summary.oom_kills},
          {"oom_killed", a.oom_killed},
          {"near_limit", a.near_limit},
          {"stall_us", a.summary.stall_us},
          {"raises", raises}};
}

// shrink_image: the service's image and its verified slim image, by service.
std::map<std::string, image::SlimSizes> image_sizes(const Context& ctx, const Project& p,
                                                    const std::vector<const Service*>& services) {
  std::map<std::string, image::SlimSizes> out;
  image::Store store(ctx.paths.images());
  for (const Service* s : services)
    if (s->optimize.shrink_image)
      out[s->name] =
          image::slim_sizes(store, service_image(p, *s), image::slim_reference(p.name, s->name));
  return out;
}

std::string saved(const image::SlimSizes& z) {
  if (!z.slim || z.original <= 0) return "-";
  return std::to_string((z.original - *z.slim) * 100 / z.original) + "%";
}

struct ReportOpts {
  std::vector<std::string> services;
  std::string format = "table";
};

void report(const Context& ctx, const ReportOpts& o) {
  Project p = load_by_name(ctx, o.services);
  const auto services = chosen(p, o.services);
  auto advice = gather(ctx, p, services);
  auto images = image_sizes(ctx, p, services);
  if (o.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : advice) {
      nlohmann::json j = advice_json(a);
      if (auto z = images.find(a.service); z != images.end())
        j["image"] = {{"size", z->second.original},
                      {"slim_size",
                       z->second.slim ? nlohmann::json(*z->second.slim) : nlohmann::json(nullptr)}};
      out.push_back(j);
    }
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  if (advice.empty()) {
    std::printf("no service of %s has optimize.auto_memory_tune or shrink_image on\n",
                p.name.c_str());
    return;
  }
  TableRows rows = {{"SERVICE", "WINDOW", "PEAK", "P95", "LIMIT", "SUGGESTED", "NOTE"}};
  for (const auto& a : advice) {
    if (!a.tuned && images.contains(a.service) && o.services.empty()) continue;  // images only
    const bool seen = a.summary.samples > 0;
    std::string limit = or_dash(a.limit);
    if (a.running_limit) limit += " (runs with " + human_bytes(*a.running_limit) + ")";
    rows.push_back(
        {a.service, seen ? human_span(a.summary.last_ms - a.summary.first_ms) : "-",
         seen ? human_bytes(a.summary.peak) : "-", seen ? human_bytes(a.summary.p95) : "-", limit,
         a.suggested ? human_bytes(*a.suggested) + " (" + percent(a.headroom) + ")" : "-",
         advice_note(a)});
  }
  if (rows.size() > 1) std::fputs(format_table(rows).c_str(), stdout);
  if (images.empty()) return;
  TableRows sizes = {{"SERVICE", "IMAGE", "SLIM IMAGE", "SAVED"}};
  for (const auto& [service, z] : images)
    sizes.push_back({service, z.original > 0 ? human_bytes(z.original) : "-",
                     z.slim ? human_bytes(*z.slim) : "none: lit optimize image " + service,
                     saved(z)});
  if (rows.size() > 1) std::printf("\n");
  std::fputs(format_table(sizes).c_str(), stdout);
}

struct ApplyOpts {
  std::vector<std::string> services;
  bool dry_run = false;
};

void apply(const Context& ctx, const ApplyOpts& o) {
  Project p = load(ctx, o.services);
  auto advice = gather(ctx, p, chosen(p, o.services));
  const fs::path file = fs::path(p.working_dir) / load::kOptimizeFile;
  std::map<std::string, std::int64_t> limits;
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) limits = load::read_optimize_file(file);
  std::map<std::string, std::string> why;
  int changed = 0;
  for (const auto& a : advice) {
    if (!a.tuned || !a.suggested) {
      if (!o.services.empty())
        throw Error("lit optimize apply: service " + a.service + " has no memory samples yet")
            .with_hint(a.tuned ? "run it first (lit up), then apply"
                               : "set optimize.auto_memory_tune: true on it, run it, then apply");
      continue;
    }
    const std::int64_t now = a.limit.value_or(0);
    limits[a.service] = *a.suggested;
    why[a.service] = "peak " + human_bytes(a.summary.peak) + " over " +
                     human_span(a.summary.last_ms - a.summary.first_ms) + ", " +
                     percent(a.headroom);
    if (now == *a.suggested) {
      std::printf("%s: mem_limit %s already\n", a.service.c_str(),
                  compose_bytes(*a.suggested).c_str());
      continue;
    }
    ++changed;
    std::printf("%s: mem_limit %s (%s; was %s)\n", a.service.c_str(),
                compose_bytes(*a.suggested).c_str(), why[a.service].c_str(),
                now ? human_bytes(now).c_str() : "no limit");
  }
  if (why.empty())
    throw Error("lit optimize apply: no service has memory samples yet")
        .with_hint("set optimize.auto_memory_tune: true on a service and run it (lit up) first");
  std::string text = optimize_file_text(limits, why);
  if (o.dry_run) {
    std::printf("--- %s (not written: --dry-run)\n%s", file.string().c_str(), text.c_str());
    return;
  }
  write_file_atomic(file, text);
  std::printf("wrote %s%s\n", file.string().c_str(),
              changed ? "; `lit up` recreates the services with the new limits" : "");
}

}  // namespace

void register_optimize(CLI::App& app, Context& ctx) {
  auto* optimize = app.add_subcommand(
      "optimize",
      "Measured optimizations: memory limits from use, images shrunk to what a service uses");
  optimize->require_subcommand(1);
  auto r = std::make_shared<ReportOpts>();
  auto* rep = optimize->add_subcommand(
      "report", "Per service: memory peak, 95th percentile, limit and the suggested limit");
  rep->add_option("SERVICE", r->services, "Services (default: those with auto_memory_tune)");
  rep->add_option("--format", r->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  rep->callback([&ctx, r] { report(ctx, *r); });
  auto a = std::make_shared<ApplyOpts>();
  auto* app_cmd = optimize->add_subcommand(
      "apply", "Write the suggested memory limits into lit.optimize.yml (lit up applies them)");
  app_cmd->add_option("SERVICE", a->services, "Services (default: those with samples)");
  app_cmd->add_flag("--dry-run", a->dry_run, "Print the file instead of writing it");
  app_cmd->callback([&ctx, a] { apply(ctx, *a); });
  add_optimize_image_command(*optimize, ctx);
}

}  // namespace lit::app
