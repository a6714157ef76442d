// Which spec file a CDI name comes from, merged over the spec directories, and
// the edits it brings; unknown names, conflicts, hooks and broken files.
#include "runtime/cdi/registry.hpp"

#include <gtest/gtest.h>

#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::runtime::cdi {
namespace {

namespace fs = std::filesystem;
using lit::testing::error_of;

std::string spec_json(const std::string& kind, const std::string& devices,
                      const std::string& edits = "{}") {
  return R"({"cdiVersion": "0.6.0", "kind": ")" + kind + R"(", "devices": [)" + devices +
         R"(], "containerEdits": )" + edits + "}";
}

std::string device(const std::string& name, const std::string& env) {
  return R"({"name": ")" + name + R"(", "containerEdits": {"env": [")" + env + R"("]}})";
}

class CdiRegistry : public ::testing::Test {
 protected:
  CdiRegistry() : tmp_(fs::temp_directory_path(), "lit-cdi-") {
    make_dirs(etc(), 0755);
    make_dirs(run(), 0755);
  }
  fs::path etc() const { return tmp_.path() / "etc"; }
  fs::path run() const { return tmp_.path() / "run"; }
  std::vector<fs::path> dirs() const { return {etc(), run()}; }

  std::vector<std::string> envs(const std::vector<std::string>& names) const {
    std::vector<DeviceName> parsed;
    for (const auto& n : names) parsed.push_back(parse_device_name(n));
    std::vector<std::string> out;
    for (const auto& e : resolve(parsed, dirs()))
      for (const auto& v : e.edits.env) out.push_back(v);
    return out;
  }

  TempDir tmp_;
};

TEST_F(CdiRegistry, NoNamesReadsNothing) {
  write_file_atomic(etc() / "broken.json", "{");
  EXPECT_TRUE(resolve({}, dirs()).empty());
}

TEST_F(CdiRegistry, FindsADeviceAndItsSpecsEditsOnce) {
  write_file_atomic(
      etc() / "test.json",
      spec_json("example.com/test", device("dev0", "D=0") + "," + device("dev1", "D=1"),
                R"({"env": ["SPEC=1"]})"));
  write_file_atomic(etc() / "notes.txt", "not a spec");
  auto edits = resolve(
      {parse_device_name("example.com/test=dev1"), parse_device_name("example.com/test=dev0"),
       parse_device_name("example.com/test=dev1")},
      dirs());
  ASSERT_EQ(edits.size(), 3u);
  EXPECT_EQ(edits[0].device, "example.com/test=dev1");
  EXPECT_TRUE(edits[0].spec_wide);
  EXPECT_EQ(edits[0].edits.env, std::vector<std::string>{"SPEC=1"});
  EXPECT_EQ(edits[0].file, etc() / "test.json");
  EXPECT_EQ(edits[1].edits.env, std::vector<std::string>{"D=1"});
  EXPECT_FALSE(edits[1].spec_wide);
  EXPECT_EQ(edits[2].device, "example.com/test=dev0");
  EXPECT_EQ(edits[2].edits.env, std::vector<std::string>{"D=0"});
}

TEST_F(CdiRegistry, ReadsYamlFiles) {
  write_file_atomic(etc() / "test.yaml",
                    "cdiVersion: 0.5.0\nkind: example.com/test\ndevices:\n- name: y\n"
                    "  containerEdits:\n    env: [FROM=yaml]\n");
  EXPECT_EQ(envs({"example.com/test=y"}), (std::vector<std::string>{"FROM=yaml"}));
}

TEST_F(CdiRegistry, ALaterDirectoryOverridesAnEarlierOne) {
  write_file_atomic(
      etc() / "a.json",
      spec_json("example.com/test", device("dev0", "FROM=etc") + "," + device("dev1", "FROM=etc")));
  write_file_atomic(run() / "b.json", spec_json("example.com/test", device("dev0", "FROM=run")));
  EXPECT_EQ(envs({"example.com/test=dev0"}), (std::vector<std::string>{"FROM=run"}));
  EXPECT_EQ(envs({"example.com/test=dev1"}), (std::vector<std::string>{"FROM=etc"}));
}

TEST_F(CdiRegistry, TheSameDeviceTwiceInOneDirectoryIsAnError) {
  write_file_atomic(etc() / "a.json", spec_json("example.com/test", device("dev0", "A=1")));
  write_file_atomic(etc() / "b.yaml", spec_json("example.com/test", device("dev0", "B=1")));
  EXPECT_EQ(error_of([&] { envs({"example.com/test=dev0"}); }),
            "CDI device example.com/test=dev0 is defined twice in " + etc().string() +
                ": a.json and b.yaml");
}

TEST_F(CdiRegistry, AllIsEveryDeviceOfTheKindUnlessOneIsNamedSo) {
  write_file_atomic(etc() / "a.json",
                    spec_json("example.com/test", device("b", "B=1") + "," + device("a", "A=1")));
  write_file_atomic(etc() / "o.json", spec_json("example.com/other", device("c", "C=1")));
  EXPECT_EQ(envs({"example.com/test=all"}), (std::vector<std::string>{"A=1", "B=1"}));
  write_file_atomic(run() / "all.json", spec_json("example.com/test", device("all", "ALL=1")));
  EXPECT_EQ(envs({"example.com/test=all"}), (std::vector<std::string>{"ALL=1"}));
}

TEST_F(CdiRegistry, AnUnknownDeviceNamesItAndTheDirectories) {
  write_file_atomic(etc() / "a.json", spec_json("example.com/test", device("dev0", "A=1")));
  try {
    envs({"example.com/test=nope"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "unknown CDI device example.com/test=nope (searched " +
                                         etc().string() + ", " + run().string() + ")");
    EXPECT_NE(e.hint().find("nvidia-ctk cdi generate"), std::string::npos);
  }
  EXPECT_EQ(error_of([&] { envs({"example.com/none=all"}); }),
            "unknown CDI device example.com/none=all (searched " + etc().string() + ", " +
                run().string() + ")");
}

TEST_F(CdiRegistry, AMalformedFileIsAnErrorNamingIt) {
  write_file_atomic(etc() / "a.json", spec_json("example.com/test", device("dev0", "A=1")));
  write_file_atomic(run() / "z.yaml", "cdiVersion: 0.6.0\nkind: example.com/z\ndevices: {}\n");
  EXPECT_EQ(error_of([&] { envs({"example.com/test=dev0"}); }),
            "CDI spec " + (run() / "z.yaml").string() + ": devices: expected a list, got object");
}

TEST_F(CdiRegistry, HooksAreRefusedNamingTheDeviceAndFile) {
  write_file_atomic(etc() / "h.json", spec_json("example.com/test",
                                                R"({"name": "hooked", "containerEdits": {"hooks": [
                           {"hookName": "createContainer", "path": "/usr/bin/vendor-hook"}]}},)" +
                                                    device("plain", "A=1"),
                                                R"({"intelRdt": {"closID": "x"}})"));
  EXPECT_EQ(error_of([&] { resolve({parse_device_name("example.com/test=hooked")}, dirs()); }),
            "CDI device example.com/test=hooked (" + (etc() / "h.json").string() +
                "): its spec's containerEdits set intelRdt, which lit does not apply");
  write_file_atomic(etc() / "h.json", spec_json("example.com/test",
                                                R"({"name": "hooked", "containerEdits": {"hooks": [
                           {"hookName": "createContainer", "path": "/usr/bin/vendor-hook"}]}},)" +
                                                    device("plain", "A=1")));
  EXPECT_EQ(error_of([&] { resolve({parse_device_name("example.com/test=hooked")}, dirs()); }),
            "CDI device example.com/test=hooked (" + (etc() / "h.json").string() +
                "): its edits run OCI hooks (createContainer /usr/bin/vendor-hook), which lit "
                "does not run");
  EXPECT_EQ(envs({"example.com/test=plain"}), (std::vector<std::string>{"A=1"}));
}

TEST(CdiDirs, AreDockersAndPodmans) {
  EXPECT_EQ(default_spec_dirs(), (std::vector<fs::path>{"/etc/cdi", "/var/run/cdi"}));
}

}  // namespace
}  // namespace lit::runtime::cdi
