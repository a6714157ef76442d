// security_opt: [seccomp=FILE]: the file is read relative to the project's
// directory, its content (not its path) is in the service's config hash, and
// a bad profile is an error located at the option.
#include <gtest/gtest.h>

#include "reconciler/desired.hpp"
#include "reconciler/load/load.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::reconciler {
namespace {

using lit::testing::error_of;

constexpr const char* kProject = R"(name: prof
services:
  app:
    build: .
    security_opt: ["seccomp=profiles/app.json"]
)";

std::string profile(int errno_ret) {
  return R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"],
      "action": "SCMP_ACT_ERRNO", "errnoRet": )" +
         std::to_string(errno_ret) + "}]}";
}

std::string hash_of(const TempDir& dir) {
  LoadOptions o;
  o.working_dir = dir.path().string();
  Project p = load_project(o);
  Paths paths{dir.path() / "root", dir.path() / "run"};
  return desired_state(paths, p).hashes.at("app");
}

TEST(SeccompProfileHash, TheProfilesContentIsHashed) {
  TempDir dir("/tmp", "lit-seccomp-hash-");
  write_file_atomic(dir.path() / "lit.yml", kProject);
  make_dirs(dir.path() / "profiles", 0755);
  write_file_atomic(dir.path() / "profiles/app.json", profile(13));
  LoadOptions o;
  o.working_dir = dir.path().string();
  Project p = load_project(o);
  const auto& opt = p.services.at("app").security_opt.at(0);
  ASSERT_TRUE(opt.value.profile);
  EXPECT_EQ(opt.value.profile->syscalls.at(0).errno_ret, 13u);

  std::string first = hash_of(dir);
  EXPECT_EQ(first, hash_of(dir));
  write_file_atomic(dir.path() / "profiles/app.json", profile(1));
  EXPECT_NE(first, hash_of(dir)) << "an edited profile recreates the service";
  // The same rules written differently: the same profile, the same hash.
  std::string before = hash_of(dir);
  write_file_atomic(dir.path() / "profiles/app.json",
                    R"({"syscalls": [{"name": "mkdir", "errnoRet": 1, "action": "SCMP_ACT_ERRNO"}],
                        "defaultAction": "SCMP_ACT_ALLOW"})");
  EXPECT_EQ(before, hash_of(dir));
}

TEST(SeccompProfileHash, ABadProfileIsLocatedAtTheOption) {
  TempDir dir("/tmp", "lit-seccomp-bad-");
  write_file_atomic(dir.path() / "lit.yml", kProject);
  make_dirs(dir.path() / "profiles", 0755);
  write_file_atomic(dir.path() / "profiles/app.json", R"({"defaultAction": "SCMP_ACT_NOPE"})");
  EXPECT_EQ(error_of([&] { hash_of(dir); }),
            "lit.yml:5:20: services.app.security_opt[0]: seccomp profile profiles/app.json: "
            "defaultAction: unknown action \"SCMP_ACT_NOPE\"");
}

}  // namespace
}  // namespace lit::reconciler
