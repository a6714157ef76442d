#include "reconciler/hash.hpp"

#include "runtime/image/digest.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler {
namespace {

void update_framed(image::Sha256& h, const std::string& data) {
  std::string len = std::to_string(data.size()) + ":";
  h.update(len.data(), len.size());
  h.update(data.data(), data.size());
}

}  // namespace

std::string config_hash(const nlohmann::json& canonical_service,
                        const std::vector<std::string>& extra_contents) {
  image::Sha256 h;
  update_framed(h, canonical_service.dump());
  for (const auto& c : extra_contents) update_framed(h, c);
  std::string digest = h.digest();  // "sha256:<hex>"
  return digest.substr(digest.find(':') + 1);
}

std::vector<std::string> read_hash_inputs(const std::vector<std::filesystem::path>& files,
                                          const std::string& what) {
  std::vector<std::string> out;
  out.reserve(files.size());
  for (const auto& f : files) {
    try {
      out.push_back(read_file(f));
    } catch (Error& e) {
      throw e.context(what);
    }
  }
  return out;
}

}  // namespace lit::reconciler
