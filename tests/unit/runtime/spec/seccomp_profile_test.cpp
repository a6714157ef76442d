#include "runtime/spec/seccomp_profile.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/spec/options.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::runtime {
namespace {

using lit::testing::error_of;

// The shape of docker's default profile: archMap, grouped names, conditions,
// capability includes/excludes, errnoRet.
constexpr const char* kDockerLike = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": null}
  ],
  "syscalls": [
    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
     "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
     "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"name": "ptrace", "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"},
     "comment": "docker writes comments"}
  ]
})";

TEST(SeccompProfile, ReadsDockersFormat) {
  SeccompProfile p = parse_seccomp_profile(kDockerLike, "p.json");
  EXPECT_EQ(p.default_action, SeccompAction::Errno);
  EXPECT_EQ(p.default_errno, 1u);
  ASSERT_EQ(p.arch_map.size(), 2u);
  EXPECT_EQ(p.arch_map[0].sub_architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  EXPECT_TRUE(p.arch_map[1].sub_architectures.empty());
  ASSERT_EQ(p.syscalls.size(), 5u);
  EXPECT_EQ(p.syscalls[0].names, (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(p.syscalls[1].args, (std::vector<SeccompArg>{{0, 40, 0, SeccompOp::NotEqual}}));
  EXPECT_EQ(p.syscalls[2].args[0].op, SeccompOp::MaskedEqual);
  EXPECT_EQ(p.syscalls[2].excludes.caps, (std::vector<std::string>{"CAP_SYS_ADMIN"}));
  EXPECT_EQ(p.syscalls[2].excludes.arches, (std::vector<std::string>{"s390", "s390x"}));
  EXPECT_EQ(p.syscalls[3].errno_ret, 38u);
  EXPECT_EQ(p.syscalls[4].names, (std::vector<std::string>{"ptrace"}));
  EXPECT_EQ(p.syscalls[4].includes.min_kernel, (std::pair<int, int>{4, 8}));
}

// What records keep: writing and reading back gives the same profile, and two
// spellings of one profile give the same JSON (what config hashes cover).
TEST(SeccompProfile, JsonRoundTripIsCanonical) {
  SeccompProfile p = parse_seccomp_profile(kDockerLike, "p.json");
  EXPECT_EQ(seccomp_profile_from_json(to_json(p), "record"), p);
  SeccompProfile a = parse_seccomp_profile(
      R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"mkdir","action":"SCMP_ACT_ERRNO"}]})",
      "a");
  SeccompProfile b = parse_seccomp_profile(R"({
      "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "comment": "x", "args": null}],
      "defaultAction": "SCMP_ACT_ALLOW"})",
                                           "b");
  EXPECT_EQ(to_json(a).dump(), to_json(b).dump());
  EXPECT_EQ(action_name(SeccompAction::KillThread), "SCMP_ACT_KILL_THREAD");
}

TEST(SeccompProfile, ErrorsNameTheFileAndTheField) {
  auto err = [](const std::string& text) {
    return error_of([&] { parse_seccomp_profile(text, "./p.json"); });
  };
  const std::string head = R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [)";
  const std::string ok = R"({"names": ["read"], "action": "SCMP_ACT_ALLOW"}, )";
  EXPECT_EQ(err(head + ok + ok + ok + R"({"names": ["mkdir"], "action": "SCMP_ACT_FOO"}]})"),
            "seccomp profile ./p.json: syscalls[3].action: unknown action \"SCMP_ACT_FOO\"");
  EXPECT_EQ(err(R"({"syscalls": []})"), "seccomp profile ./p.json: defaultAction: missing");
  EXPECT_EQ(err(R"({"defaultAction": "SCMP_ACT_ALLOW", "sycalls": []})"),
            "seccomp profile ./p.json: sycalls: unknown field");
  EXPECT_EQ(err(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]})"),
            "seccomp profile ./p.json: architectures: unknown architecture \"SCMP_ARCH_Z80\" "
            "(use SCMP_ARCH_X86_64 and the like)");
  EXPECT_EQ(err(head + R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})"),
            "seccomp profile ./p.json: syscalls[0].args[0].index: a syscall has arguments 0 to "
            "5, not 6");
  EXPECT_EQ(
      err(head + R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ABOUT"}]}]})"),
      "seccomp profile ./p.json: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\"");
  EXPECT_EQ(err(head + R"({"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": -1}]})"),
            "seccomp profile ./p.json: syscalls[0].errnoRet: expected a non-negative integer, "
            "got -1");
  EXPECT_EQ(err(head + R"({"name": "a", "names": ["b"], "action": "SCMP_ACT_ALLOW"}]})"),
            "seccomp profile ./p.json: syscalls[0]: use either \"name\" or \"names\"");
  EXPECT_EQ(err(head + R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                "includes": {"minKernel": "four"}}]})"),
            "seccomp profile ./p.json: syscalls[0].includes.minKernel: expected a kernel version "
            "MAJOR.MINOR such as \"4.8\", got \"four\"");
  EXPECT_EQ(err(R"({"defaultAction": "SCMP_ACT_NOTIFY"})"),
            "seccomp profile ./p.json: defaultAction: SCMP_ACT_NOTIFY needs a seccomp agent, "
            "which lit does not run");
  EXPECT_EQ(err(R"({"defaultAction": )"),
            "seccomp profile ./p.json: not valid JSON: parse error at line 1, column 19: "
            "syntax error while parsing value - unexpected end of input; expected '[', '{', or "
            "a literal");
  EXPECT_EQ(err("[]"), "seccomp profile ./p.json: expected an object, got array");
}

class SeccompProfileFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("lit-profile-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

// --security-opt seccomp=FILE: read now, relative to the given directory; the
// option carries the profile.
TEST_F(SeccompProfileFile, SecurityOptReadsTheProfile) {
  std::ofstream(dir_ / "p.json") << R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]})";
  for (const char* text : {"seccomp=p.json", "seccomp:p.json"}) {
    SecurityOpt o = parse_security_opt(text, dir_);
    EXPECT_EQ(o.kind, SecurityOpt::Kind::SeccompProfile);
    ASSERT_TRUE(o.profile);
    EXPECT_EQ(o.profile->syscalls.at(0).errno_ret, 13u);
    SecuritySpec s;
    apply_security_opts({parse_security_opt("seccomp=unconfined"), o}, s);
    EXPECT_TRUE(s.seccomp);
    EXPECT_EQ(s.seccomp_profile, o.profile);
    apply_security_opt(parse_security_opt("seccomp=builtin"), s);
    EXPECT_FALSE(s.seccomp_profile);
  }
  EXPECT_EQ(error_of([&] { parse_security_opt("seccomp=missing.json", dir_); }),
            "seccomp profile missing.json: No such file or directory");
}

}  // namespace
}  // namespace lit::runtime
