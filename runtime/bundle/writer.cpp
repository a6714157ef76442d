#include "runtime/bundle/writer.hpp"

#include <sys/stat.h>

#include <set>

#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"
#include "runtime/image/save.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::bundle {
namespace fs = std::filesystem;

Manifest write_bundle(const fs::path& images_root, const BundleRequest& r, const fs::path& out) {
  Manifest m;
  m.project = r.project;
  m.created = image::now_rfc3339();
  m.lit_version = r.lit_version;
  m.compose_files = r.compose_files;
  m.env_files = r.env_files;
  m.profiles = r.profiles;
  std::vector<std::string> contents;
  for (const auto& f : r.files) {
    if (!valid_relative_path(f.path))
      throw Error("bundle " + f.source.string() + ": \"" + f.path +
                  "\" is not a path inside the project directory");
    struct stat st {};
    if (::stat(f.source.c_str(), &st) < 0) throw Error::sys("read", f.source.string(), errno);
    contents.push_back(read_file(f.source));
    m.files.push_back({f.path, image::sha256_digest(contents.back()), contents.back().size(),
                       static_cast<std::uint32_t>(st.st_mode & 0777)});
  }
  std::vector<image::SaveRequest> requests;
  for (const auto& i : r.images) requests.push_back({i.id, {}});
  const std::vector<image::PreparedImage> prepared = image::prepare_images(images_root, requests);
  for (std::size_t n = 0; n < prepared.size(); ++n) {
    const image::PreparedImage& p = prepared[n];
    BundleImage img{r.images[n].reference, r.images[n].services, p.id, p.manifest_digest,
                    p.manifest.size(),     p.config.size(),      {}};
    for (const auto& l : p.layers) img.layers.push_back({l.diff_id, l.size});
    m.images.push_back(std::move(img));
  }
  image::write_file_from(out, [&](const image::TarSink& sink) {
    image::OuterTar tar(sink, "bundle create", r.compression);
    tar.file(kManifestName, to_json(m).dump(2) + "\n");
    for (std::size_t n = 0; n < m.files.size(); ++n)
      tar.file(file_entry(m.files[n].path), contents[n]);
    std::set<std::string> written;
    for (const auto& p : prepared) image::write_oci_blobs(p, tar, written);
    tar.close();
  });
  return m;
}

}  // namespace lit::bundle
