// lit image pull, lit login, lit logout, and pulls on demand (--pull).
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/pull.hpp"
#include "app/views/image_display.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/registry/client.hpp"
#include "runtime/image/registry/credentials.hpp"
#include "runtime/image/registry/registry_config.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {
namespace {

using image::PullEvent;
using Kind = PullEvent::Kind;

std::string short_layer(const std::string& digest) { return digest.substr(7, 12); }

// "[=====>      ]  1.2MB/5.3MB", as docker draws it.
std::string bar(std::uint64_t current, std::uint64_t total) {
  constexpr int kWidth = 50;
  int done = total == 0 ? 0 : static_cast<int>(current * kWidth / total);
  std::string b =
      "[" + std::string(static_cast<std::size_t>(std::max(done - 1, 0)), '=') +
      (done > 0 ? ">" : "") +
      std::string(static_cast<std::size_t>(kWidth - std::max(done, 1) + (done == 0)), ' ') + "]";
  return b + "  " + human_size(static_cast<std::int64_t>(current)) + "/" +
         human_size(static_cast<std::int64_t>(total));
}

std::string status_text(const PullEvent& e) {
  switch (e.kind) {
    case Kind::Exists:
      return "Already exists";
    case Kind::Waiting:
      return "Pulling fs layer";
    case Kind::Downloading:
      return "Downloading";
    case Kind::Verified:
      return "Download complete";
    case Kind::Complete:
      return "Pull complete";
    case Kind::Resolved:
      break;
  }
  return "";
}

// The per-layer lines of one pull: redrawn in place on a terminal, one line
// per status change otherwise. Events arrive from the fetching threads.
class PullPrinter {
 public:
  explicit PullPrinter(PullOutput mode) : mode_(mode) {}

  void on_event(const PullEvent& e) {
    if (e.kind == Kind::Resolved) return;
    if (mode_ == PullOutput::Json) {
      const std::string line = pull_event_json(e) + "\n";
      std::lock_guard lock(mu_);
      std::fputs(line.c_str(), stdout);
      std::fflush(stdout);
      return;
    }
    if (mode_ != PullOutput::Terminal && mode_ != PullOutput::Plain) return;
    std::lock_guard lock(mu_);
    std::string text = short_layer(e.layer) + ": " + status_text(e);
    if (mode_ == PullOutput::Plain) {
      if (e.kind != Kind::Downloading) std::printf("%s\n", text.c_str());
      std::fflush(stdout);
      return;
    }
    if (e.kind == Kind::Downloading) text += " " + bar(e.current, e.total);
    auto it = std::ranges::find_if(lines_, [&](const auto& l) { return l.first == e.layer; });
    if (it == lines_.end()) {
      lines_.emplace_back(e.layer, text);
      std::printf("%s\n", text.c_str());
    } else {
      it->second = text;
      auto up = lines_.end() - it;
      std::printf("\x1b[%ldA\r\x1b[2K%s\x1b[%ldB\r", static_cast<long>(up), text.c_str(),
                  static_cast<long>(up));
    }
    std::fflush(stdout);
  }

 private:
  PullOutput mode_;
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> lines_;  // layer -> its line
};

// The hosts named by --insecure-registry in this process's command line.
std::vector<std::string>& flag_insecure_registries() {
  static std::vector<std::string> hosts;
  return hosts;
}

std::vector<std::string> split_commas(const char* text) {
  std::vector<std::string> out;
  std::string s = text ? text : "";
  for (std::size_t start = 0; start <= s.size();) {
    auto comma = s.find(',', start);
    std::string part = s.substr(start, comma == std::string::npos ? comma : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

PullOutput pull_output(bool quiet, const std::string& progress) {
  if (quiet || progress == "quiet") return PullOutput::Quiet;
  if (progress == "json") return PullOutput::Json;
  if (progress == "plain") return PullOutput::Plain;
  if (progress == "tty") return PullOutput::Terminal;
  return ::isatty(STDOUT_FILENO) ? PullOutput::Terminal : PullOutput::Plain;
}

void add_pull_progress_option(CLI::App& cmd, std::string& progress) {
  cmd.add_option("--progress", progress,
                 "Progress output: auto (tty on a terminal, else plain), tty, plain, json "
                 "(docker's JSON messages, one per line), quiet")
      ->check(CLI::IsMember({"auto", "tty", "plain", "json", "quiet"}));
}

std::string pull_event_json(const PullEvent& e) {
  if (e.kind == Kind::Resolved) return "";
  nlohmann::ordered_json j;
  j["status"] = status_text(e);
  j["progressDetail"] = nlohmann::ordered_json::object();
  if (e.kind == Kind::Downloading) {
    j["progressDetail"]["current"] = e.current;
    j["progressDetail"]["total"] = e.total;
    j["progress"] = bar(e.current, e.total);
  }
  j["id"] = short_layer(e.layer);
  return j.dump();
}

std::string pull_status_json(const std::string& status, const std::string& id) {
  nlohmann::ordered_json j;
  j["status"] = status;
  if (!id.empty()) j["id"] = id;
  return j.dump();
}

std::string pull_error_json(const std::string& message) {
  nlohmann::ordered_json j;
  j["errorDetail"] = {{"message", message}};
  j["error"] = message;
  return j.dump();
}

image::PullOptions pull_options(const Context& ctx, const std::string& platform) {
  image::PullOptions o;
  if (!platform.empty()) o.platform = image::parse_platform(platform);
  const image::RegistryConfig config = image::load_registry_config(image::registry_config_path());
  o.insecure_registries = config.insecure;
  for (const auto& host : split_commas(std::getenv("LIT_INSECURE_REGISTRIES")))
    o.insecure_registries.push_back(host);
  for (const auto& host : flag_insecure_registries()) o.insecure_registries.push_back(host);
  o.mirrors = config.mirrors;
  o.auth = image::auth_files(ctx.paths.root);
  return o;
}

void add_insecure_registry_option(CLI::App& cmd) {
  cmd.add_option("--insecure-registry", flag_insecure_registries(),
                 "Allow plain HTTP to this registry, HOST[:PORT] (repeatable; also "
                 "$LIT_INSECURE_REGISTRIES and lit's config file)")
      ->allow_extra_args(false);
}

image::PullResult pull_with_output(Context& ctx, const std::string& reference,
                                   const PullFlags& flags) {
  image::Reference ref = image::parse_reference(reference);
  image::PullOptions o = pull_options(ctx, flags.platform);
  PullPrinter printer(flags.output);
  o.progress = [&](const PullEvent& e) { printer.on_event(e); };
  const bool json = flags.output == PullOutput::Json;
  const bool chatty = flags.output == PullOutput::Terminal || flags.output == PullOutput::Plain;
  const std::string id = ref.digest.empty() ? ref.tag : ref.digest;
  if (chatty) std::printf("%s: Pulling from %s\n", id.c_str(), ref.path.c_str());
  if (json) std::printf("%s\n", pull_status_json("Pulling from " + ref.path, id).c_str());
  std::fflush(stdout);
  image::Store store(ctx.paths.images());
  std::optional<image::PullResult> r;
  try {
    r = image::pull_image(store, reference, o);
  } catch (const Error& e) {
    if (json) std::printf("%s\n", pull_error_json(e.what()).c_str());
    throw;
  }
  const std::string status =
      std::string(r->downloaded ? "Downloaded newer image" : "Image is up to date") + " for " +
      ref.familiar();
  if (chatty) std::printf("Digest: %s\nStatus: %s\n", r->manifest_digest.c_str(), status.c_str());
  if (json) {
    std::printf("%s\n%s\n", pull_status_json("Digest: " + r->manifest_digest).c_str(),
                pull_status_json("Status: " + status).c_str());
  }
  if (flags.output != PullOutput::Silent && !json) std::printf("%s\n", ref.str().c_str());
  std::fflush(stdout);
  return *r;
}

void pull_all_tags(Context& ctx, const std::string& name, const PullFlags& flags) {
  const image::Reference ref = image::parse_reference(name);
  const std::string_view last = std::string_view(name).substr(name.rfind('/') + 1);
  if (!ref.digest.empty() || last.find(':') != std::string_view::npos) {
    throw Error("pull " + name + ": --all-tags takes a repository name without a tag or digest", "",
                0, "pull " + ref.familiar_name() + " with -a, or " + name + " without it");
  }
  const std::vector<std::string> tags = image::list_tags(name, pull_options(ctx, flags.platform));
  if (tags.empty()) {
    throw Error("pull " + name + ": registry " + ref.domain + " has no tag for " + ref.path);
  }
  for (const auto& tag : tags) pull_with_output(ctx, ref.name() + ":" + tag, flags);
}

void ensure_image(const Context& ctx, const std::string& reference, const std::string& policy,
                  bool quiet) {
  std::string p = policy.empty() ? "missing" : policy;
  if (p == "if_not_present") p = "missing";
  if (p != "always" && p != "missing" && p != "never") {
    throw Error("invalid pull policy", "\"" + policy + "\"", 0,
                "use always, missing (if_not_present) or never");
  }
  if (p == "never") return;
  image::Store store(ctx.paths.images());
  if (p == "missing" && store.find(reference)) return;
  if (p == "missing" && reference.starts_with("sha256:")) return;  // an id: nothing to pull
  // Printed once it worked: on failure the error is the one line the user reads.
  image::Reference ref = image::parse_reference(reference);
  image::PullOptions o = pull_options(ctx, "");
  image::PullResult r = image::pull_image(store, reference, o);
  if (quiet) return;
  if (p == "missing")
    std::fprintf(stderr, "Unable to find image '%s' locally\n", reference.c_str());
  std::fprintf(stderr, "%s: Pulling from %s\nDigest: %s\nStatus: %s for %s\n",
               ref.digest.empty() ? ref.tag.c_str() : ref.digest.c_str(), ref.path.c_str(),
               r.manifest_digest.c_str(),
               r.downloaded ? "Downloaded newer image" : "Image is up to date",
               ref.familiar().c_str());
}

void ensure_mounted_images(const Context& ctx, const reconciler::Service& service,
                           const std::string& policy, bool quiet) {
  for (const auto& ref : reconciler::mounted_images(service)) {
    try {
      ensure_image(ctx, ref, policy, quiet);
    } catch (Error& e) {
      throw e.context("service " + service.name + ": volume image " + ref);
    }
  }
}

void add_image_pull(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("pull", "Pull an image from a registry");
  struct Opts {
    std::string reference, platform, progress;
    bool quiet = false, all_tags = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--platform", o->platform, "os/arch[/variant] (default: this machine's)");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only the image's reference");
  cmd->add_flag("-a,--all-tags", o->all_tags, "Pull every tag of the repository NAME");
  add_pull_progress_option(*cmd, o->progress);
  add_insecure_registry_option(*cmd);
  cmd->add_option("reference", o->reference, "NAME[:TAG|@DIGEST]")->required();
  cmd->callback([&ctx, o] {
    const std::string progress = o->progress.empty() ? ctx.project.progress : o->progress;
    const PullFlags flags{o->platform, pull_output(o->quiet, progress), o->all_tags};
    if (flags.all_tags)
      pull_all_tags(ctx, o->reference, flags);
    else
      pull_with_output(ctx, o->reference, flags);
  });
}

}  // namespace lit::app
