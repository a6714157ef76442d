#pragma once
// From a ContainerRequest and an image's config to a ContainerSpec, merged
// as docker merges them (entrypoint/cmd, env precedence, workdir, user).
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/image/store.hpp"
#include "runtime/spec/options.hpp"
#include "runtime/spec/request.hpp"
#include "runtime/spec/spec.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

// The user a container runs as, as runc resolves it against the image's files.
struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  std::string home = "/";
};

// The top-most copy of `relative` (e.g. "etc/passwd") in layers given bottom
// first; nullopt when absent or hidden by an overlay whiteout above it.
std::optional<std::filesystem::path> find_in_layers(
    const std::vector<std::filesystem::path>& layers, const std::filesystem::path& relative);

// "name", "uid", "name:group", "uid:gid"... against etc/passwd and etc/group.
// Unknown names -> lit::Error "unable to find user NAME: no matching entries in passwd file".
ResolvedUser resolve_user(const UserArg& user, const std::vector<std::filesystem::path>& layers);

// Entrypoint + Cmd as docker merges them; throws "no command specified" naming the image.
std::vector<std::string> merge_args(const ContainerRequest& request,
                                    const image::ImageConfig& config);

// Image Env, then the request's (env files, then -e; later wins), plus
// docker's defaults: PATH if missing, HOSTNAME, TERM=xterm with -t.
std::vector<std::string> merge_env(const ContainerRequest& request,
                                   const image::ImageConfig& config, const std::string& hostname);

// What identifies a new container and where its files go.
struct Identity {
  std::string id;
  std::string name;
  std::filesystem::path bundle;
  std::filesystem::path volumes_root;  // named volumes: <volumes_root>/<name>/_data
};

// A spec plus what must exist on the host before it can run.
struct CreatePlan {
  ContainerSpec spec;
  std::map<std::string, std::string> labels;
  std::vector<std::string> volumes;            // named and anonymous, created on demand
  std::vector<std::string> anonymous_volumes;  // removed with the container (--rm, rm -v)
  std::vector<std::string> inherited_volumes;  // of those, a predecessor's: kept if create fails
  std::vector<std::filesystem::path> bind_sources;  // created as directories when missing
  // request.content_files, each with where it is written (under the bundle).
  std::vector<std::pair<std::filesystem::path, ContentFile>> content_files;
};

// Merges the request with the image. Pure apart from reading the image's
// passwd/group; throws what depends on the image (no command, unknown user...).
// image_mounts: request.image_mounts with their images resolved (id, layers).
CreatePlan build_spec(const ContainerRequest& request, const image::Image& image,
                      const std::vector<std::filesystem::path>& layers, const Identity& identity,
                      const std::vector<ImageMount>& image_mounts = {});

}  // namespace lit::runtime
