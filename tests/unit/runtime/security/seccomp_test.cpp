#include "runtime/security/seccomp.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
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

TEST(Seccomp, DefaultProfileRefusesMoreThanDockers) {
  auto f = build_default_seccomp(resolve_capabilities({}));
  for (const char* s : {"io_uring_setup", "io_uring_enter", "io_uring_register", "socket",
                        "personality", "userfaultfd", "migrate_pages", "fanotify_init",
                        "pidfd_getfd", "process_madvise", "sethostname"}) {
    EXPECT_TRUE(blocks(f, s)) << s;
  }
  SecuritySpec ptrace;
  ptrace.cap_add = {"SYS_PTRACE"};
  auto relaxed = build_default_seccomp(resolve_capabilities(ptrace));
  EXPECT_FALSE(blocks(relaxed, "userfaultfd"));
  EXPECT_FALSE(blocks(relaxed, "pidfd_getfd"));
  EXPECT_TRUE(blocks(relaxed, "io_uring_setup"));  // no capability relaxes io_uring
}

// The rules of one ABI in the PFC text: from its "if ($arch == N)" to the next.
std::string arch_block(const std::string& pfc, std::uint32_t arch, int nth = 0) {
  std::string head = "if ($arch == " + std::to_string(arch) + ")";
  size_t at = pfc.find(head);
  for (; nth > 0 && at != std::string::npos; --nth) at = pfc.find(head, at + 1);
  if (at == std::string::npos) return "";
  return pfc.substr(at, pfc.find("if ($arch ==", at + 1) - at);
}

#if defined(__x86_64__)
// x86-64, x32 and i386 each get the rules, numbered as that ABI numbers them
// (x32's syscalls carry bit 30; i386's io_uring_setup is 425, its personality 136).
TEST(Seccomp, EveryX86AbiIsFiltered) {
  std::string pfc = build_default_seccomp(resolve_capabilities({})).pfc();
  std::string x86_64 = arch_block(pfc, SCMP_ARCH_X86_64);
  std::string x32 = arch_block(pfc, SCMP_ARCH_X86_64, 1);  // x32 shares x86-64's audit arch
  std::string i386 = arch_block(pfc, SCMP_ARCH_X86);
  EXPECT_NE(x86_64.find("\"io_uring_setup\" (425)"), std::string::npos) << pfc;
  EXPECT_NE(x86_64.find("\"socket\" (41)"), std::string::npos);
  EXPECT_NE(x32.find("\"io_uring_setup\" (1073742249)"), std::string::npos) << pfc;
  EXPECT_NE(x32.find("\"personality\" (1073741959)"), std::string::npos);
  EXPECT_NE(i386.find("\"io_uring_setup\" (425)"), std::string::npos) << pfc;
  EXPECT_NE(i386.find("\"personality\" (136)"), std::string::npos);
  EXPECT_NE(i386.find("\"vm86\""), std::string::npos) << "an i386-only syscall";
  // libseccomp can only check i386's socket() arguments by refusing every
  // socketcall(SYS_SOCKET): not done, so i386 sockets work.
  EXPECT_EQ(i386.find("\"socketcall\""), std::string::npos);
}
#endif

// What a process under the default filter sees (no root needed: no_new_privs
// lets anyone install a filter).
TEST(Seccomp, DefaultFilterRefusesIoUringRareSocketsAndPersonalityFlags) {
  auto program = build_default_seccomp(resolve_capabilities({})).program();
  auto msg = in_child([&] {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return std::string("no_new_privs failed");
    load_program(program);
    std::string m;
    auto refused = [&](long rc, const char* what) {
      if (rc != -1 || errno != EPERM) m += std::string(what) + " not refused; ";
    };
    auto allowed = [&](long rc, const char* what) {
      if (rc < 0 && errno == EPERM) m += std::string(what) + " refused; ";
      if (rc >= 0 && std::string(what).starts_with("socket")) ::close(static_cast<int>(rc));
    };
    refused(::syscall(SYS_io_uring_setup, 1, nullptr), "io_uring_setup");
    refused(::socket(AF_VSOCK, SOCK_STREAM, 0), "socket(AF_VSOCK)");
    refused(::socket(AF_ALG, SOCK_SEQPACKET, 0), "socket(AF_ALG)");
    refused(::syscall(SYS_socket, 0x100000000L | AF_VSOCK, SOCK_STREAM, 0), "socket(high|VSOCK)");
    refused(::socket(AF_INET, SOCK_DCCP | SOCK_CLOEXEC, 0), "socket(SOCK_DCCP)");
    allowed(::socket(AF_INET, SOCK_STREAM, 0), "socket(AF_INET)");
    allowed(::socket(AF_UNIX, SOCK_DGRAM, 0), "socket(AF_UNIX)");
    allowed(::socket(AF_NETLINK, SOCK_RAW, 0), "socket(AF_NETLINK)");
    refused(::syscall(SYS_personality, 0x0040000), "personality(ADDR_NO_RANDOMIZE)");
    refused(::syscall(SYS_personality, 0x0400000), "personality(READ_IMPLIES_EXEC)");
    refused(::syscall(SYS_personality, 1), "personality(1)");
    refused(::syscall(SYS_personality, 0xfffffffeL), "personality(0xfffffffe)");
    allowed(::syscall(SYS_personality, 0xffffffffL), "personality(query)");
    allowed(::syscall(SYS_personality, 0), "personality(PER_LINUX)");
#if defined(__x86_64__)
    // x32's io_uring_setup: refused by the filter before the kernel says
    // whether it has x32 at all; x32's getpid is not refused.
    refused(::syscall(0x40000000L | 425, 1, nullptr), "x32 io_uring_setup");
    allowed(::syscall(0x40000000L | 39), "x32 getpid");
#endif
    return m;
  });
  EXPECT_EQ(msg, "");
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

namespace lit::security {
namespace {

using runtime::parse_seccomp_profile;

// A docker-format profile, compiled and loaded: its errno, its argument checks
// (two on one argument: either matches), its capability includes, and a
// syscall this libseccomp does not know skipped.
TEST(SeccompProfileFilter, RefusesWhatTheProfileSaysWithItsErrno) {
  auto profile = parse_seccomp_profile(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [
      {"names": ["mkdir", "mkdirat", "no_such_syscall_anywhere"], "action": "SCMP_ACT_ERRNO",
       "errnoRet": 13},
      {"names": ["fchmodat", "chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
       "includes": {"caps": ["CAP_SYS_MODULE"]}},
      {"names": ["dup3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7,
       "args": [{"index": 2, "value": 1, "op": "SCMP_CMP_EQ"},
                {"index": 2, "value": 2, "op": "SCMP_CMP_EQ"}]}
    ]})",
                                       "test.json");
  auto filter = build_profile_seccomp(profile, resolve_capabilities({}));
  EXPECT_EQ(filter.blocked(), (std::vector<std::string>{"mkdir", "mkdirat", "dup3"}));
  auto program = filter.program();
  std::string dir = fs::temp_directory_path() / ("lit-profile-mkdir-" + std::to_string(::getpid()));
  auto msg = in_child([&] {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return std::string("no_new_privs failed");
    load_program(program);
    std::string m;
    if (::mkdir(dir.c_str(), 0700) != -1 || errno != EACCES) m += "mkdir not EACCES; ";
    if (::chmod("/nonexistent-lit-test", 0755) != -1 || errno != ENOENT)
      m += "chmod refused without the capability; ";
    // The kernel would say EINVAL to these flags; E2BIG is the profile's.
    if (::syscall(SYS_dup3, 0, 100, 1) != -1 || errno != E2BIG) m += "dup3 flag 1 not refused; ";
    if (::syscall(SYS_dup3, 0, 100, 2) != -1 || errno != E2BIG) m += "dup3 flag 2 not refused; ";
    if (::dup3(0, 100, O_CLOEXEC) < 0) m += "dup3 O_CLOEXEC refused; ";
    return m;
  });
  EXPECT_EQ(msg, "");
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace lit::security
