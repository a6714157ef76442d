// lit image push and the project's lit push.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "app/project.hpp"
#include "app/pull.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/registry/push.hpp"
#include "runtime/image/save.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {
namespace {

using image::PushEvent;
using Kind = PushEvent::Kind;

struct PushFlags {
  bool quiet = false, tls_verify = true;
  std::string format = "v2s2";
};

// docker's lines: one per layer when its fate is known, then the digest.
void print_event(const PushEvent& e) {
  const std::string id = e.layer.substr(7, 12);
  switch (e.kind) {
    case Kind::Preparing:
      std::printf("%s: Preparing\n", id.c_str());
      break;
    case Kind::Exists:
      std::printf("%s: Layer already exists\n", id.c_str());
      break;
    case Kind::Mounted:
      std::printf("%s: Mounted from %s\n", id.c_str(), e.message.c_str());
      break;
    case Kind::Pushed:
      std::printf("%s: Pushed\n", id.c_str());
      break;
    case Kind::Pushing:
      return;
  }
  std::fflush(stdout);
}

image::PushOptions push_options(const Context& ctx, const std::string& destination,
                                const PushFlags& flags) {
  image::PullOptions po = pull_options(ctx, "");
  image::PushOptions o;
  o.insecure_registries = po.insecure_registries;
  o.auth = po.auth;
  o.format = image::parse_manifest_format(flags.format);
  if (!flags.tls_verify)
    o.insecure_registries.push_back(image::parse_reference(destination).domain);
  if (!flags.quiet) o.progress = print_event;
  return o;
}

image::PushResult push_with_output(const Context& ctx, const std::string& source,
                                   const std::string& destination, const PushFlags& flags) {
  const std::string target = destination.empty() ? source : destination;
  const image::Reference ref = image::parse_reference(target);
  image::PushOptions o = push_options(ctx, target, flags);
  if (!flags.quiet) {
    const std::string shown = ref.domain == "docker.io" ? "docker.io/" + ref.path : ref.name();
    std::printf("The push refers to repository [%s]\n", shown.c_str());
    std::fflush(stdout);
  }
  image::PushResult r = image::push_image(ctx.paths.images(), source, target, o);
  if (flags.quiet) {
    std::printf("%s\n", ref.str().c_str());
  } else {
    std::printf("%s: digest: %s size: %llu\n", r.tag.c_str(), r.manifest_digest.c_str(),
                static_cast<unsigned long long>(r.manifest_size));
  }
  std::fflush(stdout);
  return r;
}

void add_push_flags(CLI::App* cmd, PushFlags& flags) {
  cmd->add_flag("-q,--quiet", flags.quiet, "Print only the pushed reference");
  cmd->add_option("--tls-verify", flags.tls_verify,
                  "false: plain HTTP to this registry (as $LIT_INSECURE_REGISTRIES names it)")
      ->default_str("true");
  cmd->add_option("--format", flags.format, "Manifest format: v2s2 (docker, default) or oci");
  add_insecure_registry_option(*cmd);
}

// The images of the project's services to push (compose's: services with
// image:, including those built under that name), each once.
std::vector<std::pair<std::string, std::vector<std::string>>> push_jobs(
    const reconciler::Project& project, const std::vector<std::string>& only) {
  std::vector<std::pair<std::string, std::vector<std::string>>> jobs;
  for (const auto& [name, s] : project.services) {
    if (!only.empty() && std::ranges::find(only, name) == only.end()) continue;
    if (s.image.empty()) continue;  // built without a name: nothing to push it as
    const std::string& image = s.image;
    auto same = std::ranges::find_if(jobs, [&](const auto& j) { return j.first == image; });
    if (same != jobs.end())
      same->second.push_back(name);
    else
      jobs.push_back({image, {name}});
  }
  return jobs;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// --dry-run: what a push checks before it talks to the registry (a tag to
// push as, the image in the store), and the line saying what it would push.
void dry_run_push(const Context& ctx, const std::string& image,
                  const std::vector<std::string>& services) {
  const image::Reference ref = image::parse_reference(image);
  try {
    if (!ref.digest.empty() || ref.tag.empty())
      throw Error("push by digest is not supported", "", 0, "name a tag: NAME:TAG");
    image::resolve_save(ctx.paths.images(), {image});
  } catch (Error& e) {
    throw e.context("push " + ref.str());  // push_image's words
  }
  std::printf("push image %s (service %s)\n", image.c_str(), joined(services).c_str());
}

void register_project_push(CLI::App& app, Context& ctx) {
  struct Opts {
    std::vector<std::string> services;
    bool ignore_failures = false;
    PushFlags flags;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("push", "Push the services' images to their registries");
  add_push_flags(cmd, o->flags);
  cmd->add_flag("--ignore-push-failures", o->ignore_failures,
                "Push what can be pushed; failures are warnings");
  cmd->add_option("SERVICE", o->services, "Only these services (default: all)");
  cmd->callback([&ctx, o] {
    reconciler::Project project = load(ctx, o->services);
    for (const auto& n : o->services)
      if (!project.services.count(n)) throw Error("no such service: " + n);
    for (const auto& [image, services] : push_jobs(project, o->services)) {
      try {
        if (ctx.project.dry_run) {
          dry_run_push(ctx, image, services);
          continue;
        }
        if (!o->flags.quiet)
          std::printf("service %s: pushing %s\n", joined(services).c_str(), image.c_str());
        push_with_output(ctx, image, "", o->flags);
      } catch (Error& e) {
        if (!o->ignore_failures) throw e.context("service " + joined(services));
        std::fprintf(stderr, "lit: warning: service %s: %s\n", joined(services).c_str(), e.what());
      }
    }
  });
}

}  // namespace

void add_image_push(CLI::App& parent, Context& ctx) {
  struct Opts {
    std::string source, destination;
    PushFlags flags;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand("push", "Push an image to a registry");
  add_push_flags(cmd, o->flags);
  cmd->add_option("name", o->source, "The local image: NAME[:TAG] or an id")->required();
  cmd->add_option("destination", o->destination,
                  "Where to push it: [REGISTRY/]NAME[:TAG] (default: NAME)");
  cmd->callback([&ctx, o] { push_with_output(ctx, o->source, o->destination, o->flags); });
}

void register_push_commands(CLI::App& app, Context& ctx) { register_project_push(app, ctx); }

}  // namespace lit::app
