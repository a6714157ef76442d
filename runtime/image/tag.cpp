#include "runtime/image/tag.hpp"

#include "runtime/image/lookup.hpp"
#include "runtime/image/transaction.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {

std::string tag_image(const std::filesystem::path& root, const std::string& source,
                      const std::string& dest) {
  const std::string tag = tag_reference(dest);  // invalid -> error before taking the lock
  Transaction tx(root);
  std::optional<Match> m = lookup(tx.state(), source);
  if (!m)
    throw Error("image not found:", source, 0, "`lit image ls` lists the images in the store");
  tx.state().tags[tag] = m->id;
  tx.commit();
  return m->id;
}

}  // namespace lit::image
