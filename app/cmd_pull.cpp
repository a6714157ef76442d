// lit image pull, lit login, lit logout, and pulls on demand (--pull).
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "app/pull.hpp"
#include "app/views/image_display.hpp"
#include "runtime/image/reference.hpp"
#include "runtime/image/registry/client.hpp"
#include "runtime/image/registry/credentials.hpp"
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
    if (mode_ != PullOutput::Terminal && mode_ != PullOutput::Plain) return;
    if (e.kind == Kind::Resolved) return;
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

PullOutput pull_output(bool quiet) {
  if (quiet) return PullOutput::Quiet;
  return ::isatty(STDOUT_FILENO) ? PullOutput::Terminal : PullOutput::Plain;
}

image::PullOptions pull_options(const Context& ctx, const std::string& platform) {
  image::PullOptions o;
  if (!platform.empty()) o.platform = image::parse_platform(platform);
  o.insecure_registries = split_commas(std::getenv("LIT_INSECURE_REGISTRIES"));
  o.auth = image::auth_files(ctx.paths.root);
  return o;
}

image::PullResult pull_with_output(Context& ctx, const std::string& reference,
                                   const PullFlags& flags) {
  image::Reference ref = image::parse_reference(reference);
  image::PullOptions o = pull_options(ctx, flags.platform);
  PullPrinter printer(flags.output);
  o.progress = [&](const PullEvent& e) { printer.on_event(e); };
  const bool chatty = flags.output == PullOutput::Terminal || flags.output == PullOutput::Plain;
  if (chatty) {
    std::printf("%s: Pulling from %s\n", ref.digest.empty() ? ref.tag.c_str() : ref.digest.c_str(),
                ref.path.c_str());
    std::fflush(stdout);
  }
  image::Store store(ctx.paths.images());
  image::PullResult r = image::pull_image(store, reference, o);
  if (chatty) {
    std::printf("Digest: %s\n", r.manifest_digest.c_str());
    std::printf("Status: %s for %s\n",
                r.downloaded ? "Downloaded newer image" : "Image is up to date",
                ref.familiar().c_str());
  }
  if (flags.output != PullOutput::Silent) std::printf("%s\n", ref.str().c_str());
  return r;
}

void ensure_image(Context& ctx, const std::string& reference, const std::string& policy) {
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
  if (p == "missing")
    std::fprintf(stderr, "Unable to find image '%s' locally\n", reference.c_str());
  std::fprintf(stderr, "%s: Pulling from %s\nDigest: %s\nStatus: %s for %s\n",
               ref.digest.empty() ? ref.tag.c_str() : ref.digest.c_str(), ref.path.c_str(),
               r.manifest_digest.c_str(),
               r.downloaded ? "Downloaded newer image" : "Image is up to date",
               ref.familiar().c_str());
}

void add_image_pull(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("pull", "Pull an image from a registry");
  struct Opts {
    std::string reference, platform;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--platform", o->platform, "os/arch[/variant] (default: this machine's)");
  cmd->add_flag("-q,--quiet", o->quiet, "Print only the image's reference");
  cmd->add_option("reference", o->reference, "NAME[:TAG|@DIGEST]")->required();
  cmd->callback([&ctx, o] {
    pull_with_output(ctx, o->reference, PullFlags{o->platform, pull_output(o->quiet)});
  });
}

}  // namespace lit::app
