#pragma once
// `container commit`: the container's writable layer (its upper/, whiteouts
// as .wh. files: image/layer_tar.hpp) stored as one more layer on its image,
// with the image's config updated from the container (env, command, working
// directory) and docker's --change instructions. The store's transaction
// makes it atomic: a failure leaves nothing behind.
#include <string>
#include <vector>

#include "runtime/state/record.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

struct CommitRequest {
  std::string reference;  // repository[:tag], or empty (untagged)
  std::string message;    // -m: the history entry's comment
  std::string author;     // -a
  std::vector<std::string>
      changes;  // -c: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, STOPSIGNAL
};

// Returns the new image's id ("sha256:...").
std::string commit_container(const Paths& paths, const ContainerRecord& rec,
                             const CommitRequest& request);

}  // namespace lit::runtime
