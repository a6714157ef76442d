#include "runtime/bundle/reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <vector>

#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/layer_fs.hpp"
#include "runtime/image/lookup.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/io.hpp"

namespace lit::bundle {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kMaxJsonSize = 64u << 20;
constexpr const char* kDamaged =
    "the bundle was damaged or changed after `lit bundle create`: copy or make it again";

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

const char* message(archive* a) {
  const char* m = archive_error_string(a);
  return m ? m : "unknown error";
}

ArchivePtr open_archive(int fd) {
  ArchivePtr a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK)
    throw Error(std::string("not a bundle (") + message(a.get()) + ")");
  return a;
}

// The entry's name as clean components joined; throws when it leaves the archive.
std::string entry_name(archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  std::vector<std::string> comps;
  if (raw == nullptr || !image::clean_entry_path(raw, comps) || comps.empty())
    throw Error(std::string("entry \"") + (raw ? raw : "") + "\" escapes the bundle")
        .with_hint(kDamaged);
  return image::join_components(comps, comps.size());
}

// Copies the current entry's data to `to`, hashing it.
image::StagedFile copy_entry(archive* a, const fs::path& to, const std::string& name) {
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) throw Error::sys("create", to.string(), errno);
  image::Sha256 hash;
  image::StagedFile f{to, {}, 0};
  std::vector<char> buf(1 << 16);
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
    if (n == 0) break;
    if (n < 0) throw Error("read " + name + ": " + message(a)).with_hint(kDamaged);
    hash.update(buf.data(), static_cast<std::size_t>(n));
    if (!write_all(out.get(), std::string_view(buf.data(), static_cast<std::size_t>(n))))
      throw Error::sys("write", to.string(), errno);
    f.size += static_cast<std::uint64_t>(n);
  }
  f.digest = hash.digest();
  return f;
}

// The next entry; false at the end. Only regular files belong in a bundle.
bool next_file(archive* a, archive_entry*& e, std::string& name) {
  int r = archive_read_next_header(a, &e);
  if (r == ARCHIVE_EOF) return false;
  if (r < ARCHIVE_WARN) throw Error(std::string("read bundle: ") + message(a)).with_hint(kDamaged);
  name = entry_name(e);
  if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != nullptr)
    throw Error("entry \"" + name + "\" is not a regular file").with_hint(kDamaged);
  return true;
}

[[noreturn]] void mismatch(const std::string& entry, const std::string& listed,
                           const std::string& actual) {
  throw Error("digest mismatch for " + entry + ": " + listed + ", the content is " + actual)
      .with_hint(kDamaged);
}

const image::StagedFile& need(const StagedEntries& entries, const std::string& name,
                              const std::string& what) {
  auto it = entries.find(name);
  if (it == entries.end()) throw Error("missing " + name + " (" + what + ")").with_hint(kDamaged);
  return it->second;
}

std::string small_file(const image::StagedFile& f, const std::string& name) {
  if (f.size > kMaxJsonSize) throw Error(name + ": too large for JSON").with_hint(kDamaged);
  return read_file(f.path);
}

// The image's manifest and config say what bundle.json says of it.
void check_image(const BundleImage& img, const StagedEntries& entries) {
  const std::string where = "image " + img.reference;
  const std::string config_name = blob_entry(img.id);
  const std::string manifest_name = blob_entry(img.manifest);
  const image::StagedFile& config = need(entries, config_name, "config of " + img.reference);
  const image::StagedFile& manifest = need(entries, manifest_name, "manifest of " + img.reference);
  for (std::size_t i = 0; i < img.layers.size(); ++i) {
    const std::string name = blob_entry(img.layers[i].digest);
    const image::StagedFile& layer =
        need(entries, name, "layer " + std::to_string(i + 1) + " of " + img.reference);
    if (layer.size != img.layers[i].size)
      throw Error(where + ": " + name + " has " + std::to_string(layer.size) +
                  " bytes, bundle.json lists " + std::to_string(img.layers[i].size))
          .with_hint(kDamaged);
  }
  auto m = nlohmann::json::parse(small_file(manifest, manifest_name), nullptr, false);
  std::vector<std::string> listed;
  if (m.is_object() && m["layers"].is_array())
    for (const auto& l : m["layers"]) listed.push_back(l.is_object() ? l.value("digest", "") : "");
  std::vector<std::string> layers;
  for (const auto& l : img.layers) layers.push_back(l.digest);
  if (!m.is_object() || !m["config"].is_object() || m["config"].value("digest", "") != img.id ||
      listed != layers)
    throw Error(where + ": its manifest " + manifest_name + " does not match bundle.json")
        .with_hint(kDamaged);
  const std::string what = where + " config";
  if (image::config_diff_ids(image::parse_config_blob(small_file(config, config_name), what),
                             what) != layers)
    throw Error(where + ": its config " + config_name + " lists other layers than bundle.json")
        .with_hint(kDamaged);
}

}  // namespace

void verify_bundle(const Manifest& m, const StagedEntries& entries) {
  std::set<std::string> listed{kManifestName};
  for (const auto& f : m.files) {
    const std::string name = file_entry(f.path);
    const image::StagedFile& staged = need(entries, name, "listed in bundle.json");
    if (staged.digest != f.digest) mismatch(name, "bundle.json lists " + f.digest, staged.digest);
    listed.insert(name);
  }
  for (const auto& [name, staged] : entries) {
    if (!name.starts_with("blobs/sha256/")) continue;
    const std::string named = "sha256:" + name.substr(13);
    if (!image::is_sha256_digest(named)) continue;  // not a blob: unlisted below
    if (staged.digest != named) mismatch(name, "its name says " + named, staged.digest);
  }
  for (const auto& img : m.images) {
    check_image(img, entries);
    listed.insert(blob_entry(img.id));
    listed.insert(blob_entry(img.manifest));
    for (const auto& l : img.layers) listed.insert(blob_entry(l.digest));
  }
  for (const auto& [name, staged] : entries) {
    if (!listed.contains(name))
      throw Error("unlisted entry \"" + name + "\": bundle.json does not list it")
          .with_hint(kDamaged);
  }
}

VerifiedBundle read_bundle(int fd, const fs::path& staging) {
  make_dirs(staging, 0700);
  ArchivePtr a = open_archive(fd);
  VerifiedBundle b;
  archive_entry* e = nullptr;
  std::string name;
  for (int index = 0; next_file(a.get(), e, name); ++index) {
    if (b.entries.contains(name))
      throw Error("entry \"" + name + "\" appears twice").with_hint(kDamaged);
    b.entries.emplace(name, copy_entry(a.get(), staging / ("e" + std::to_string(index)), name));
  }
  auto manifest = b.entries.find(kManifestName);
  if (manifest == b.entries.end())
    throw Error(std::string("missing ") + kManifestName + ": not a lit bundle")
        .with_hint("make one with `lit bundle create -o FILE`");
  b.manifest = parse_manifest(small_file(manifest->second, kManifestName));
  verify_bundle(b.manifest, b.entries);
  return b;
}

Manifest read_manifest(int fd) {
  ArchivePtr a = open_archive(fd);
  archive_entry* e = nullptr;
  std::string name;
  while (next_file(a.get(), e, name)) {
    if (name != kManifestName) continue;  // the next header skips its data
    if (archive_entry_size(e) > static_cast<la_int64_t>(kMaxJsonSize))
      throw Error(std::string(kManifestName) + ": too large for JSON").with_hint(kDamaged);
    std::string text;
    std::vector<char> buf(1 << 16);
    for (la_ssize_t n; (n = archive_read_data(a.get(), buf.data(), buf.size())) != 0;) {
      if (n < 0) throw Error(std::string("read bundle.json: ") + message(a.get()));
      text.append(buf.data(), static_cast<std::size_t>(n));
    }
    return parse_manifest(text);
  }
  throw Error(std::string("missing ") + kManifestName + ": not a lit bundle")
      .with_hint("make one with `lit bundle create -o FILE`");
}

std::vector<image::PendingImage> pending_images(const VerifiedBundle& b) {
  std::vector<image::PendingImage> out;
  for (const auto& img : b.manifest.images) {
    image::PendingImage p;
    p.config = read_file(b.entry(blob_entry(img.id)).path);
    p.id = img.id;
    p.manifest = read_file(b.entry(blob_entry(img.manifest)).path);
    p.manifest_digest = img.manifest;
    for (const auto& l : img.layers) {
      const std::string name = blob_entry(l.digest);
      p.layers.push_back({&b.entry(name), name});
    }
    if (img.reference.find('@') == std::string::npos)
      p.tags.push_back(image::tag_reference(img.reference));
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace lit::bundle
