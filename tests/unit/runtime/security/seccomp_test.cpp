#include "runtime/security/seccomp.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include "runtime/security/security.hpp"
#include "tests/unit/runtime/security/in_child.hpp"

namespace lit::security {
namespace {

namespace fs = std::filesystem;
using runtime::SecuritySpec;
using testing::in_child;

bool blocks(const SeccompFilter& f, const std::string& name) {
  return std::find(f.blocked().begin(), f.blocked().end(), name) != f.blocked().end();
}

TEST(Seccomp, DefaultProfileBlocksDangerousSyscallsButNotPtrace) {
  auto f = build_default_seccomp(resolve_capabilities({}));
  for (const char* s : {"mount", "umount2", "unshare", "setns", "keyctl", "add_key", "bpf",
                        "kexec_load", "init_module", "reboot", "open_by_handle_at", "clone",
                        "clone3", "perf_event_open", "userfaultfd", "pivot_root"}) {
    EXPECT_TRUE(blocks(f, s)) << s;
  }
  EXPECT_FALSE(blocks(f, "ptrace"));
  EXPECT_FALSE(blocks(f, "read"));
  // Every rule is for a syscall this libseccomp knows.
  for (const auto& s : f.blocked())
    EXPECT_NE(seccomp_syscall_resolve_name(s.c_str()), __NR_SCMP_ERROR) << s;
}

TEST(Seccomp, PfcShowsErrnoActions) {
  auto f = build_default_seccomp(resolve_capabilities({}));
  std::string pfc = f.pfc();
  EXPECT_NE(pfc.find("ERRNO(1)"), std::string::npos);   // EPERM
  EXPECT_NE(pfc.find("ERRNO(38)"), std::string::npos);  // ENOSYS for clone3
#if defined(__x86_64__)
  EXPECT_NE(pfc.find("x86_64"), std::string::npos) << "native arch filtered";
#endif
}

TEST(Seccomp, KeptCapabilitiesRelaxTheirSyscalls) {
  SecuritySpec s;
  s.cap_add = {"SYS_ADMIN", "SYS_TIME"};
  auto f = build_default_seccomp(resolve_capabilities(s));
  for (const char* name :
       {"mount", "umount2", "unshare", "setns", "clone", "clone3", "settimeofday"}) {
    EXPECT_FALSE(blocks(f, name)) << name;
  }
  for (const char* name : {"kexec_load", "init_module", "reboot", "keyctl", "swapon"}) {
    EXPECT_TRUE(blocks(f, name)) << name;
  }
  auto defaults = build_default_seccomp(resolve_capabilities({}));
  EXPECT_LT(f.blocked().size(), defaults.blocked().size());
}

bool same(const SeccompProgram& a, const SeccompProgram& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(sock_filter)) == 0;
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  return out;
}

class SeccompCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lit-seccomp-cache-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SeccompCache, KeepsTheProgramLibseccompMakesAndReadsItBack) {
  auto caps = resolve_capabilities({});
  auto fresh = build_default_seccomp(caps).program();
  auto first = default_seccomp_program(caps, dir_);
  EXPECT_TRUE(same(first, fresh));
  auto files = files_in(dir_);
  ASSERT_EQ(files.size(), 1u);
  auto mtime = fs::last_write_time(files[0]);
  auto second = default_seccomp_program(caps, dir_);
  EXPECT_TRUE(same(second, fresh));
  EXPECT_EQ(files_in(dir_).size(), 1u);
  EXPECT_EQ(fs::last_write_time(files[0]), mtime) << "read back, not written again";
}

TEST_F(SeccompCache, OtherCapabilitiesGetTheirOwnProgram) {
  SecuritySpec admin;
  admin.cap_add = {"SYS_ADMIN"};
  auto plain = default_seccomp_program(resolve_capabilities({}), dir_);
  auto relaxed = default_seccomp_program(resolve_capabilities(admin), dir_);
  EXPECT_EQ(files_in(dir_).size(), 2u);
  EXPECT_FALSE(same(plain, relaxed));
  EXPECT_TRUE(same(relaxed, build_default_seccomp(resolve_capabilities(admin)).program()));
}

TEST_F(SeccompCache, ADamagedFileIsMadeAgain) {
  auto caps = resolve_capabilities({});
  auto fresh = default_seccomp_program(caps, dir_);
  fs::path file = files_in(dir_).at(0);
  for (auto damage :
       {std::function<void(std::string&)>([](std::string& b) { b[b.size() / 2] ^= 1; }),
        std::function<void(std::string&)>([](std::string& b) { b.resize(b.size() - 9); }),
        std::function<void(std::string&)>([](std::string& b) { b.clear(); })}) {
    std::string bytes;
    {
      std::ifstream in(file, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    damage(bytes);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
    EXPECT_TRUE(same(default_seccomp_program(caps, dir_), fresh));
  }
}

}  // namespace
}  // namespace lit::security
