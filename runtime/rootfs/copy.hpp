#pragma once
// `container cp`: files copied between two trees, each reached through a
// TreeSide that resolves its paths. A container's side resolves beneath its
// root (openat2 RESOLVE_IN_ROOT: a symlink to /etc/shadow means the
// container's /etc/shadow, never the host's); below the resolved source every
// entry is opened with O_NOFOLLOW from its parent's fd, so nothing walks out.
//
// docker's rules (docker cp reference), tested in
// tests/integration/container_fs_test.cpp:
//  - SRC a file: DEST missing -> saved as DEST (its parent must exist; a DEST
//    ending in '/' must be an existing directory); DEST a file -> overwritten;
//    DEST a directory -> copied into it under SRC's name;
//  - SRC a directory: DEST missing -> made, with SRC's contents; DEST a file
//    -> error; DEST a directory -> SRC copied into it, or with SRC ending in
//    "/." its contents;
//  - SRC's own final symlink is copied as a link, followed with -L;
//  - owner: -a keeps the source's uid/gid, otherwise the `owner` given (the
//    container's root going in, the user running lit coming out); modes and
//    mtimes are kept.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "runtime/util/fs.hpp"

namespace lit::runtime {

struct TreeSide {
  // Opens `path` (flags as open(2)); an invalid fd with errno set when absent.
  std::function<UniqueFd(const std::string& path, int flags)> open;
  std::string describe;  // "container web" / "" (the host), for error messages
};

TreeSide host_side();
TreeSide beneath_side(int root_fd, std::string describe);

struct CopyOwner {
  bool keep = false;  // -a
  uid_t uid = 0;
  gid_t gid = 0;
  // -a into a user-namespaced container: a kept id below shift_size is moved
  // to shift_uid + id (gids alike), so the container sees the source's ids.
  uid_t shift_uid = 0;
  gid_t shift_gid = 0;
  std::uint32_t shift_size = 0;
};

struct CopyOptions {
  bool follow_link = false;  // -L
  CopyOwner owner;
};

void copy_path(const TreeSide& from, const std::string& src, const TreeSide& to,
               const std::string& dest, const CopyOptions& options);

// The checks copy_path makes (SRC exists; DEST's kind, its parent), copying
// nothing: `cp --dry-run` fails where the copy would, with the same error.
void check_copy(const TreeSide& from, const std::string& src, const TreeSide& to,
                const std::string& dest, const CopyOptions& options);
// SRC's own check alone (`cp CONTAINER:SRC -` dry run).
void check_source(const TreeSide& from, const std::string& src, bool follow_link);

// `cp CONTAINER:SRC -`: a tar of SRC (named by its base name, or its contents
// for "/." or "/") written to out_fd.
void write_path_tar(const TreeSide& from, const std::string& src, int out_fd,
                    const CopyOptions& options);

// `lit watch` after a deletion on the host: `path` and everything below it
// removed beneath root_fd, as `rm -rf` (nothing to do when it does not exist).
// Entries are reached from their parent's fd, never through a symlink.
void remove_beneath(int root_fd, const std::string& path);

// `container export`: the whole tree under root_fd as a tar (names relative,
// no entry for the root), sorted, owners and modes kept.
void write_root_tar(int root_fd, int out_fd);

// `cp - CONTAINER:DEST`: a tar read from in_fd extracted (image/unpack.hpp's
// safe rules) into DEST, which must be an existing directory. The tar's ids
// are kept, moved into a user-namespaced container's range as owner's shift
// says (the ids it sees are the tar's).
void extract_tar_to(int in_fd, const TreeSide& to, const std::string& dest,
                    const CopyOwner& owner = {});

}  // namespace lit::runtime
