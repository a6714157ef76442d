// lit bundle create | apply | inspect: a project as one file for devices with
// no network (runtime/bundle/ has the format; apply converges as `up -d --wait`).
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "app/bundle.hpp"
#include "app/context.hpp"
#include "app/project.hpp"
#include "app/views/image_display.hpp"
#include "reconciler/apply/replica_request.hpp"
#include "reconciler/load/load.hpp"
#include "runtime/bundle/project_dir.hpp"
#include "runtime/bundle/reader.hpp"
#include "runtime/bundle/writer.hpp"
#include "runtime/image/store.hpp"
#include "runtime/image/transaction.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app {
namespace {

namespace fs = std::filesystem;
using reconciler::Project;

struct CreateOpts {
  std::string output;
  std::string compression = "none";
};

struct ApplyOpts {
  std::string file, project_directory;
  bool detach = false;  // always: the services are left running, as `up -d --wait`
  int wait_timeout = 300;
};

struct InspectOpts {
  std::string file, format;
};

fs::path absolute_from_cwd(const std::string& p) { return fs::absolute(p).lexically_normal(); }

// The project's files that go into the bundle: those inside the project
// directory; each one outside is named in a warning with the key that uses it.
class FileCollector {
 public:
  explicit FileCollector(fs::path dir) : dir_(std::move(dir)) {}

  // The file's path in the project directory, or nullopt (warned) when outside.
  std::optional<std::string> add(const fs::path& file, const std::string& key) {
    const fs::path rel = file.lexically_normal().lexically_relative(dir_);
    const std::string path = rel.string();
    if (rel.empty() || path.starts_with("..") || !bundle::valid_relative_path(path)) {
      std::fprintf(stderr,
                   "lit: warning: bundle create: %s: %s is outside the project directory %s: "
                   "not in the bundle\n",
                   key.c_str(), file.c_str(), dir_.c_str());
      return std::nullopt;
    }
    if (seen_.insert(path).second) files_.push_back({path, file});
    return path;
  }

  std::vector<bundle::ProjectFile> files() const { return files_; }

 private:
  fs::path dir_;
  std::set<std::string> seen_;
  std::vector<bundle::ProjectFile> files_;
};

void collect_files(const Context& ctx, const Project& p, bundle::BundleRequest& r) {
  FileCollector c(p.working_dir);
  for (const auto& f : p.files)
    if (auto rel = c.add(f, "project file")) r.compose_files.push_back(*rel);
  for (const auto& f : p.other_files) c.add(f, "include: or extends: file");
  for (const auto& f : ctx.project.env_files)
    if (auto rel = c.add(absolute_from_cwd(f), "--env-file")) r.env_files.push_back(*rel);
  std::error_code ec;
  if (ctx.project.env_files.empty() && fs::is_regular_file(fs::path(p.working_dir) / ".env", ec))
    c.add(fs::path(p.working_dir) / ".env", ".env");
  for (const auto& [name, s] : p.services) {
    for (const auto& f : s.env_files) c.add(f, "services." + name + ".env_file");
    for (const auto& m : s.volumes)
      if (m.type == reconciler::MountType::bind)
        std::fprintf(stderr,
                     "lit: warning: bundle create: services.%s.volumes: bind mount source %s is "
                     "not in the bundle\n",
                     name.c_str(), m.source.c_str());
  }
  for (const auto& [kind, sources] : {std::pair{"configs", &p.configs}, {"secrets", &p.secrets}})
    for (const auto& [name, src] : *sources)
      if (!src.external && !src.file.empty())
        c.add(src.file, std::string(kind) + "." + name + ".file");
  r.files = c.files();
}

// Every image the services run (or mount), by the reference they use; one
// missing from the store is an error naming the service.
void collect_images(const Context& ctx, const Project& p, bundle::BundleRequest& r) {
  image::Store store(ctx.paths.images());
  std::map<std::string, std::size_t> index;  // reference -> position in r.images
  auto add = [&](const std::string& service, const std::string& ref, const std::string& hint) {
    std::optional<image::Image> img = store.find(ref);
    if (!img)
      throw Error("bundle create: service " + service + ": image " + ref + " is not in lit's store")
          .with_hint(hint);
    auto [it, fresh] = index.try_emplace(ref, r.images.size());
    if (fresh) r.images.push_back({ref, {}, img->id});
    r.images[it->second].services.push_back(service);
  };
  for (const auto& [name, s] : p.services) {
    add(name, reconciler::service_image(p, s),
        s.build ? "build it first: `lit build " + name + "`"
                : "pull it first: `lit pull " + name + "`");
    for (const auto& ref : reconciler::mounted_images(s))
      add(name, ref, "pull it first: `lit image pull " + ref + "`");
  }
}

image::TarCompression parse_compression(const std::string& name) {
  if (name == "gzip") return image::TarCompression::gzip;
  if (name == "zstd") return image::TarCompression::zstd;
  return image::TarCompression::none;
}

void create(const Context& ctx, const CreateOpts& o) {
  const Project project = load(ctx);
  bundle::BundleRequest r;
  r.project = project.name;
  r.lit_version = kLitVersion;
  r.profiles = ctx.project.profiles;
  r.compression = parse_compression(o.compression);
  collect_files(ctx, project, r);
  collect_images(ctx, project, r);
  const bundle::Manifest m = bundle::write_bundle(ctx.paths.images(), r, o.output);
  std::uint64_t bytes = 0;
  for (const auto& i : m.images) bytes += i.size();
  std::printf("Bundle %s: project %s, %zu files, %zu images (%s)\n", o.output.c_str(),
              m.project.c_str(), m.files.size(), m.images.size(),
              human_size(static_cast<std::int64_t>(bytes)).c_str());
}

UniqueFd open_bundle(const std::string& file, const std::string& what) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error::sys(what, file, errno);
  return fd;
}

// The project's directory on this machine: --project-directory (of the
// command or lit's), else <root>/bundles/<project>.
fs::path target_dir(const Context& ctx, const ApplyOpts& o, const std::string& project) {
  if (!o.project_directory.empty()) return absolute_from_cwd(o.project_directory);
  if (!ctx.project.project_directory.empty())
    return absolute_from_cwd(ctx.project.project_directory);
  return absolute_from_cwd((ctx.paths.root / "bundles" / project).string());
}

// Verifies the whole bundle, then loads the images the store lacks (one store
// transaction) and writes the files into a new directory beside `dir`.
// Nothing is visible before every digest was checked.
bundle::Manifest verify_and_stage(const Context& ctx, const ApplyOpts& o,
                                  std::optional<bundle::ProjectDirSwap>& swap) {
  const std::string what = "bundle apply " + o.file;
  UniqueFd fd = open_bundle(o.file, "bundle apply: open");
  image::Transaction tx(ctx.paths.images());
  try {
    bundle::VerifiedBundle b = bundle::read_bundle(fd.get(), tx.staging() / "bundle");
    reconciler::check_project_name(b.manifest.project);
    for (const image::PendingImage& p : bundle::pending_images(b)) {
      if (!tx.state().images.contains(p.id)) {
        tx.add_image(p, o.file);  // layers the store has are checked, not unpacked again
        continue;
      }
      for (const auto& t : p.tags) tx.state().tags[t] = p.id;
    }
    swap.emplace(target_dir(ctx, o, b.manifest.project));
    bundle::write_files(b, swap->incoming());
    tx.commit();
    return b.manifest;
  } catch (Error& e) {
    swap.reset();
    throw e.context(what);
  }
}

void apply(Context& ctx, const ApplyOpts& o) {
  if (o.wait_timeout <= 0) throw Error("flag --wait-timeout: must be at least 1 s");
  std::optional<bundle::ProjectDirSwap> swap;
  const bundle::Manifest m = verify_and_stage(ctx, o, swap);
  const fs::path dir = target_dir(ctx, o, m.project);
  swap->swap();
  Context project = ctx;  // the bundle's project, from its files in `dir`
  project.project.files.clear();
  for (const auto& f : m.compose_files) project.project.files.push_back((dir / f).string());
  project.project.env_files.clear();
  for (const auto& f : m.env_files) project.project.env_files.push_back((dir / f).string());
  project.project.profiles = m.profiles;
  project.project.project_name = m.project;
  project.project.project_directory = dir.string();
  ctx.exit_code = up_from_store_and_wait(project, std::chrono::seconds(o.wait_timeout));
  if (ctx.exit_code != 0) {
    swap->restore();
    std::fprintf(stderr,
                 "lit: bundle apply %s: project %s did not converge: the previous files are back "
                 "in %s\n",
                 o.file.c_str(), m.project.c_str(), dir.c_str());
    return;
  }
  swap->commit();
  std::printf("Applied bundle %s: project %s in %s\n", o.file.c_str(), m.project.c_str(),
              dir.c_str());
}

void inspect(const InspectOpts& o) {
  UniqueFd fd = open_bundle(o.file, "bundle inspect: open");
  bundle::Manifest m;
  try {
    m = bundle::read_manifest(fd.get());
  } catch (Error& e) {
    throw e.context("bundle inspect " + o.file);
  }
  if (o.format == "json") {
    nlohmann::json j = bundle::to_json(m);
    for (std::size_t i = 0; i < m.images.size(); ++i) j["images"][i]["size"] = m.images[i].size();
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("Project: %s\nCreated: %s by lit %s (format %d)\n", m.project.c_str(),
              m.created.c_str(), m.lit_version.c_str(), m.format);
  std::printf("Files:\n");
  for (const auto& f : m.files)
    std::printf("  %-40s %10s  %s\n", f.path.c_str(),
                human_size(static_cast<std::int64_t>(f.size)).c_str(), f.digest.c_str());
  std::printf("Images:\n");
  for (const auto& i : m.images) {
    std::string services;
    for (const auto& s : i.services) services += (services.empty() ? "" : ",") + s;
    std::printf("  %-40s %10s  %s  (%s)\n", i.reference.c_str(),
                human_size(static_cast<std::int64_t>(i.size())).c_str(), i.id.c_str(),
                services.c_str());
  }
}

}  // namespace

void register_bundle_commands(CLI::App& app, Context& ctx) {
  auto* bundle =
      app.add_subcommand("bundle", "A project and its images as one file, for offline devices");
  bundle->require_subcommand(1);

  auto c = std::make_shared<CreateOpts>();
  auto* create_cmd = bundle->add_subcommand(
      "create", "Write the project's files and every image it uses into one archive");
  create_cmd->add_option("-o,--output", c->output, "The bundle file to write")->required();
  create_cmd->add_option("--compression", c->compression, "none (default), gzip or zstd")
      ->check(CLI::IsMember({"none", "gzip", "zstd"}));
  create_cmd->callback([&ctx, c] { create(ctx, *c); });

  auto a = std::make_shared<ApplyOpts>();
  auto* apply_cmd = bundle->add_subcommand(
      "apply", "Verify a bundle, load its images, write its files and bring the project up");
  apply_cmd->add_option("FILE", a->file, "The bundle")->required();
  apply_cmd->add_option("--project-directory", a->project_directory,
                        "Where the project's files go (default: <root>/bundles/<project>)");
  apply_cmd->add_flag("-d,--detach", a->detach,
                      "Leave the services running in the background (always so)");
  apply_cmd->add_option("--wait-timeout", a->wait_timeout,
                        "Seconds the services have to run and be healthy (default 300)");
  apply_cmd->callback([&ctx, a] { apply(ctx, *a); });

  auto i = std::make_shared<InspectOpts>();
  auto* inspect_cmd =
      bundle->add_subcommand("inspect", "Show a bundle's project, files and images");
  inspect_cmd->add_option("FILE", i->file, "The bundle")->required();
  inspect_cmd->add_option("--format", i->format, "json: the manifest as JSON")
      ->check(CLI::IsMember({"json"}));
  inspect_cmd->callback([i] { inspect(*i); });
}

}  // namespace lit::app
