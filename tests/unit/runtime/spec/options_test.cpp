#include "runtime/spec/options.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <map>

#include "runtime/util/error.hpp"
#include "tests/unit/error_of.hpp"

using namespace lit::runtime;
using lit::testing::error_of;

namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST(Options, MemorySizesAsDocker) {
  EXPECT_EQ(parse_memory("64m"), 64 << 20);
  EXPECT_EQ(parse_memory("64M"), 64 << 20);
  EXPECT_EQ(parse_memory("64mb"), 64 << 20);
  EXPECT_EQ(parse_memory("64MiB"), 64 << 20);
  EXPECT_EQ(parse_memory("1g"), 1LL << 30);
  EXPECT_EQ(parse_memory("1.5g"), 3LL << 29);
  EXPECT_EQ(parse_memory("7340032"), 7340032);
  EXPECT_EQ(parse_memory("8192k"), 8 << 20);
  EXPECT_EQ(parse_size("100b"), 100);
}

TEST(Options, MemoryErrorsNameFlagAndValue) {
  EXPECT_EQ(
      error_of([] { parse_memory("12q"); }).rfind("invalid value \"12q\" for flag --memory: ", 0),
      0u)
      << error_of([] { parse_memory("12q"); });
  for (const char* bad : {"", "m", "-5m", "1..2m", "12mm", "0x10"})
    EXPECT_THROW(parse_memory(bad), lit::Error) << bad;
  EXPECT_NE(error_of([] { parse_memory("4m"); }).find("minimum memory limit is 6MB"),
            std::string::npos);
  EXPECT_EQ(parse_memory("6m"), 6 << 20);
}

TEST(Options, Cpus) {
  EXPECT_DOUBLE_EQ(*parse_cpus("0.5", 4), 0.5);
  EXPECT_DOUBLE_EQ(*parse_cpus("2", 4), 2.0);
  EXPECT_FALSE(parse_cpus("0", 4).has_value());
  EXPECT_THROW(parse_cpus("abc", 4), lit::Error);
  EXPECT_THROW(parse_cpus("-1", 4), lit::Error);
  EXPECT_THROW(parse_cpus("nan", 4), lit::Error);
  EXPECT_THROW(parse_cpus("0.001", 4), lit::Error);
  EXPECT_NE(error_of([] { parse_cpus("8", 4); }).find("from 0.01 to 4.00"), std::string::npos);
}

TEST(Options, PidsLimit) {
  EXPECT_EQ(parse_pids_limit("100"), 100);
  EXPECT_FALSE(parse_pids_limit("-1").has_value());
  EXPECT_FALSE(parse_pids_limit("0").has_value());
  EXPECT_THROW(parse_pids_limit("ten"), lit::Error);
  EXPECT_THROW(parse_pids_limit("10x"), lit::Error);
}

TEST(Options, VolumeForms) {
  auto b = parse_volume("/host/dir/:/data:ro");
  EXPECT_EQ(b.kind, VolumeMount::Kind::Bind);
  EXPECT_EQ(b.source, "/host/dir");
  EXPECT_EQ(b.destination, "/data");
  EXPECT_TRUE(b.read_only);
  auto rw = parse_volume("/h:/d:rw,z");
  EXPECT_FALSE(rw.read_only);
  auto named = parse_volume("cache:/var/cache");
  EXPECT_EQ(named.kind, VolumeMount::Kind::Named);
  EXPECT_EQ(named.source, "cache");
  auto anon = parse_volume("/scratch");
  EXPECT_EQ(anon.kind, VolumeMount::Kind::Anonymous);
  EXPECT_EQ(anon.destination, "/scratch");

  EXPECT_NE(error_of([] { parse_volume("./data:/d"); }).find("absolute host path"),
            std::string::npos);
  EXPECT_THROW(parse_volume("/h:relative"), lit::Error);
  EXPECT_THROW(parse_volume("/h:/"), lit::Error);
  EXPECT_THROW(parse_volume("/h:/d:bogus"), lit::Error);
  EXPECT_THROW(parse_volume("/a:/b:ro:x"), lit::Error);
  EXPECT_THROW(parse_volume(""), lit::Error);
}

TEST(Options, TmpfsDefaultsAndSize) {
  auto m = parse_tmpfs("/run");
  EXPECT_EQ(m.type, "tmpfs");
  EXPECT_EQ(m.destination, "/run");
  EXPECT_EQ(m.options, (std::vector<std::string>{"nosuid", "nodev", "noexec"}));
  auto s = parse_tmpfs("/tmp:size=64m,mode=1777,exec");
  EXPECT_EQ(s.options, (std::vector<std::string>{"nosuid", "nodev", "size=67108864", "mode=1777"}));
  EXPECT_THROW(parse_tmpfs("tmp"), lit::Error);
  EXPECT_THROW(parse_tmpfs("/tmp:size=lots"), lit::Error);
  EXPECT_THROW(parse_tmpfs("/tmp:mode=999"), lit::Error);
  EXPECT_THROW(parse_tmpfs("/tmp:frobnicate"), lit::Error);
}

TEST(Options, UserForms) {
  auto u = parse_user("1000:100");
  EXPECT_EQ(u.user, "1000");
  EXPECT_EQ(u.group, "100");
  EXPECT_EQ(parse_user("nobody").group, "");
  EXPECT_THROW(parse_user(""), lit::Error);
  EXPECT_THROW(parse_user(":1"), lit::Error);
  EXPECT_THROW(parse_user("a:"), lit::Error);
  EXPECT_THROW(parse_user("a:b:c"), lit::Error);
}

TEST(Options, EnvArgTakesBareNamesFromEnvironment) {
  auto env = fake_env({{"HOME", "/root"}});
  EXPECT_EQ(parse_env_arg("A=1=2", env), "A=1=2");
  EXPECT_EQ(parse_env_arg("A=", env), "A=");
  EXPECT_EQ(parse_env_arg("HOME", env), "HOME=/root");
  EXPECT_FALSE(parse_env_arg("UNSET_VAR", env).has_value());
  EXPECT_THROW(parse_env_arg("=x", env), lit::Error);
  EXPECT_THROW(parse_env_arg("A B=x", env), lit::Error);
}

TEST(Options, EnvFileAsDockerReadsIt) {
  auto env = fake_env({{"FROM_HOST", "yes"}});
  std::string content =
      "\xEF\xBB\xBF# comment\n"
      "\n"
      "   \n"
      "A=1\n"
      "  B=two words \"quoted\"\r\n"
      "FROM_HOST\n"
      "MISSING\n"
      "C=\n";
  auto out = parse_env_file_content(content, "f.env", env);
  EXPECT_EQ(out,
            (std::vector<std::string>{"A=1", "B=two words \"quoted\"", "FROM_HOST=yes", "C="}));
  EXPECT_EQ(error_of([&] { parse_env_file_content("A=1\nBAD NAME=2\n", "f.env", env); }),
            "env file f.env line 2: variable \"BAD NAME\" contains whitespace");
  EXPECT_THROW(parse_env_file_content("=x\n", "f.env", env), lit::Error);
  EXPECT_NE(error_of([&] { read_env_file("/nonexistent/x.env", env); }).find("/nonexistent/x.env"),
            std::string::npos);
}

TEST(Options, UlimitAddHostDnsSysctl) {
  auto u = parse_ulimit("nofile=1024:2048");
  EXPECT_EQ(u.resource, RLIMIT_NOFILE);
  EXPECT_EQ(u.soft, 1024u);
  EXPECT_EQ(u.hard, 2048u);
  EXPECT_EQ(parse_ulimit("core=-1").hard, RLIM_INFINITY);
  EXPECT_EQ(parse_ulimit("nproc=5").hard, 5u);
  EXPECT_THROW(parse_ulimit("nofile"), lit::Error);
  EXPECT_THROW(parse_ulimit("bogus=1"), lit::Error);
  EXPECT_THROW(parse_ulimit("nofile=9:3"), lit::Error);
  EXPECT_EQ(parse_add_host("db:10.0.0.2"), (std::pair<std::string, std::string>{"db", "10.0.0.2"}));
  EXPECT_EQ(parse_add_host("v6:fd00::1"), (std::pair<std::string, std::string>{"v6", "fd00::1"}));
  EXPECT_EQ(parse_add_host("x=1.2.3.4"), (std::pair<std::string, std::string>{"x", "1.2.3.4"}));
  EXPECT_NE(error_of([] { parse_add_host("x:host-gateway"); }).find("--add-host"),
            std::string::npos);
  EXPECT_THROW(parse_dns("resolver"), lit::Error);
  EXPECT_EQ(parse_sysctl("net.core.somaxconn=1024"),
            (std::pair<std::string, std::string>{"net.core.somaxconn", "1024"}));
  EXPECT_THROW(parse_sysctl("=1"), lit::Error);
}

TEST(Options, LabelsNetworkSecurity) {
  EXPECT_EQ(parse_label("a=b=c"), (std::pair<std::string, std::string>{"a", "b=c"}));
  EXPECT_EQ(parse_label("flag"), (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_THROW(parse_label("=x"), lit::Error);
  EXPECT_EQ(parse_network("host"), NetworkMode::Host);
  EXPECT_EQ(parse_network("none"), NetworkMode::None);
  EXPECT_EQ(parse_network("front"), NetworkMode::Bridge);  // a lit network's name
  EXPECT_NE(error_of([] { parse_network("bridge"); }).find("lit network create"),
            std::string::npos);
  EXPECT_EQ(parse_network("container:web"), NetworkMode::Container);
  EXPECT_THROW(parse_network("container:"), lit::Error);
  EXPECT_THROW(parse_network(""), lit::Error);

  SecuritySpec s;
  apply_security_opt("no-new-privileges", s);
  EXPECT_TRUE(s.no_new_privileges);
  apply_security_opt("no-new-privileges:false", s);
  EXPECT_FALSE(s.no_new_privileges);
  apply_security_opt("no-new-privileges=true", s);
  EXPECT_TRUE(s.no_new_privileges);
  apply_security_opt("seccomp=unconfined", s);
  EXPECT_FALSE(s.seccomp);
  EXPECT_THROW(apply_security_opt("seccomp=/x.json", s), lit::Error);
  EXPECT_EQ(parse_security_opt("apparmor=foo").apparmor, "foo");
  // Kept as asked; what applies on the host is decided at start (apparmor.hpp).
  apply_security_opt("apparmor=foo", s);
  EXPECT_EQ(s.apparmor, "foo");
  apply_security_opt("apparmor:unconfined", s);
  EXPECT_EQ(s.apparmor, "unconfined");
  EXPECT_THROW(apply_security_opt("apparmor=", s), lit::Error);
  EXPECT_THROW(apply_security_opt("label=disable", s), lit::Error);
}

// lit's default: no_new_privs on, off for a privileged container, and an
// explicit option wins over both.
TEST(Options, NoNewPrivilegesIsOnUnlessPrivilegedOrTurnedOff) {
  auto with = [](bool privileged, std::vector<std::string> texts) {
    SecuritySpec s;
    s.privileged = privileged;
    std::vector<SecurityOpt> opts;
    for (const auto& t : texts) opts.push_back(parse_security_opt(t));
    apply_security_opts(opts, s);
    return s.no_new_privileges;
  };
  EXPECT_TRUE(with(false, {}));
  EXPECT_TRUE(with(false, {"seccomp=unconfined"}));
  EXPECT_FALSE(with(false, {"no-new-privileges=false"}));
  EXPECT_FALSE(with(false, {"no-new-privileges:false"}));
  EXPECT_FALSE(with(true, {}));
  EXPECT_TRUE(with(true, {"no-new-privileges"}));
  EXPECT_TRUE(with(false, {"no-new-privileges:false", "no-new-privileges=true"}));
}

TEST(Options, NamesAndEnvHelpers) {
  EXPECT_TRUE(is_valid_name("web-1"));
  EXPECT_TRUE(is_valid_name("a.b_c"));
  EXPECT_FALSE(is_valid_name("x"));  // docker's pattern needs two characters
  EXPECT_FALSE(is_valid_name("-web"));
  EXPECT_FALSE(is_valid_name("we b"));
  EXPECT_FALSE(is_valid_name("web/1"));
  std::vector<std::string> env{"A=1", "B=2"};
  set_env(env, "A=3");
  set_env(env, "C=4");
  EXPECT_EQ(env, (std::vector<std::string>{"A=3", "B=2", "C=4"}));
  EXPECT_EQ(get_env(env, "B"), "2");
  EXPECT_FALSE(get_env(env, "Z").has_value());
}

// --mac-address and compose's mac_address: what the kernel takes for an interface.
TEST(Options, MacAddressesAsTheKernelTakesThem) {
  EXPECT_EQ(parse_mac_address("02:42:AC:11:00:99"), "02:42:ac:11:00:99");
  EXPECT_EQ(mac_bytes("02:42:ac:11:00:99"),
            (std::array<unsigned char, 6>{0x02, 0x42, 0xac, 0x11, 0x00, 0x99}));
  EXPECT_EQ(error_of([] { parse_mac_address("02:42:ac:11:00"); }),
            "invalid value \"02:42:ac:11:00\" for flag --mac-address: use six hex pairs separated "
            "by ':', e.g. 02:42:ac:11:00:02");
  EXPECT_THROW(parse_mac_address("02-42-ac-11-00-99"), lit::Error);
  EXPECT_THROW(parse_mac_address("02:42:ac:11:00:9g"), lit::Error);
  EXPECT_THROW(parse_mac_address("2:42:ac:11:00:99:"), lit::Error);
  EXPECT_EQ(error_of([] { parse_mac_address("01:00:5e:00:00:01"); }),
            "invalid value \"01:00:5e:00:00:01\" for flag --mac-address: a multicast address "
            "(odd first octet) cannot be an interface's; use an even first octet, e.g. 02");
  EXPECT_THROW(parse_mac_address("ff:ff:ff:ff:ff:ff"), lit::Error);
  EXPECT_THROW(parse_mac_address("00:00:00:00:00:00"), lit::Error);
}

TEST(Options, InterfaceNamesAsTheKernelTakesThem) {
  EXPECT_EQ(parse_interface_name("front0"), "front0");
  EXPECT_EQ(parse_interface_name("a-very-long-nam"), "a-very-long-nam");  // 15: the most
  for (const char* bad : {"", ".", "..", "a/b", "a b", "a:b", "a-very-long-name", "a\tb", "lo"})
    EXPECT_THROW(parse_interface_name(bad), lit::Error) << bad;
  EXPECT_EQ(error_of([] { parse_interface_name("a/b"); }),
            "invalid interface name \"a/b\": use 1 to 15 characters without '/', ':' or spaces, "
            "not '.' or '..'");
}
