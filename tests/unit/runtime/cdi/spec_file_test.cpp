// CDI spec files, JSON and YAML, read into typed edits; a malformed one gets
// an error naming the file and the field.
#include "runtime/cdi/spec_file.hpp"

#include <gtest/gtest.h>

#include "tests/unit/error_of.hpp"

namespace lit::runtime::cdi {
namespace {

using lit::testing::error_of;

constexpr const char* kJson = R"({
  "cdiVersion": "0.6.0",
  "kind": "example.com/test",
  "annotations": {"origin": "test"},
  "devices": [
    {
      "name": "dev0",
      "containerEdits": {
        "env": ["LITCDI=dev0"],
        "deviceNodes": [
          {"path": "/dev/litcdi0", "hostPath": "/dev/zero", "permissions": "rw",
           "fileMode": 420, "uid": 1000, "gid": 1000},
          {"path": "/dev/litcdi1", "type": "c", "major": 1, "minor": 3}
        ]
      }
    },
    {"name": "dev1", "containerEdits": {"additionalGids": [44, 0]}}
  ],
  "containerEdits": {
    "env": ["VENDOR=example"],
    "mounts": [{"hostPath": "/opt/lib", "containerPath": "/usr/lib/x",
                "type": "bind", "options": ["ro", "rbind"]}]
  }
})";

constexpr const char* kYaml = R"(cdiVersion: 0.6.0
kind: example.com/test
devices:
  - name: dev0
    containerEdits:
      env: [LITCDI=dev0]
      deviceNodes:
        - path: /dev/litcdi0
          hostPath: /dev/zero
          permissions: rw
          fileMode: 0644
          uid: 1000
          gid: 1000
        - {path: /dev/litcdi1, type: c, major: 1, minor: 3}
  - name: dev1
    containerEdits:
      additionalGids: [44, 0]
containerEdits:
  env: ["VENDOR=example"]
  mounts:
    - hostPath: /opt/lib
      containerPath: /usr/lib/x
      type: bind
      options: [ro, rbind]
)";

Spec expected() {
  Spec s;
  s.file = "/etc/cdi/test.json";
  s.version = "0.6.0";
  s.kind = "example.com/test";
  DeviceNodeEdit zero{"/dev/litcdi0", "/dev/zero", "", {}, {}, 0644, "rw", 1000, 1000};
  DeviceNodeEdit null{"/dev/litcdi1", "", "c", 1, 3, {}, "", {}, {}};
  s.devices = {{"dev0", {{"LITCDI=dev0"}, {zero, null}, {}, {}, {}, {}}},
               {"dev1", {{}, {}, {}, {}, {44, 0}, {}}}};
  s.edits.env = {"VENDOR=example"};
  s.edits.mounts = {{"/opt/lib", "/usr/lib/x", "bind", {"ro", "rbind"}}};
  return s;
}

TEST(CdiSpec, ReadsJson) {
  EXPECT_EQ(parse_spec(kJson, Format::Json, "/etc/cdi/test.json"), expected());
}

TEST(CdiSpec, ReadsYamlAsTheSameSpec) {
  // fileMode 0644 is octal, as YAML 1.1 (the CDI library's decoder) reads it.
  EXPECT_EQ(parse_spec(kYaml, Format::Yaml, "/etc/cdi/test.json"), expected());
}

TEST(CdiSpec, QuotedYamlNumbersAreStrings) {
  EXPECT_EQ(error_of([] {
              parse_spec(
                  "cdiVersion: 0.6.0\nkind: a.b/c\ndevices:\n- name: x\n"
                  "  containerEdits: {deviceNodes: [{path: /dev/x, major: \"1\"}]}\n",
                  Format::Yaml, "/etc/cdi/a.yaml");
            }),
            "CDI spec /etc/cdi/a.yaml: devices[0].containerEdits.deviceNodes[0].major: expected "
            "a non-negative integer, got \"1\"");
}

std::string json_error(const std::string& text) {
  return error_of([&] { parse_spec(text, Format::Json, "/etc/cdi/x.json"); });
}

TEST(CdiSpec, ErrorsNameTheFileAndTheField) {
  const std::string head = R"("cdiVersion": "0.6.0", "kind": "example.com/test", )";
  EXPECT_EQ(json_error("{"),
            "CDI spec /etc/cdi/x.json: not valid JSON: parse error at line 1, "
            "column 2: syntax error while parsing object key - unexpected "
            "end of input; expected string literal");
  EXPECT_EQ(json_error(R"({"kind": "a.b/c", "devices": []})"),
            "CDI spec /etc/cdi/x.json: cdiVersion: missing");
  EXPECT_EQ(json_error(R"({"cdiVersion": "2.0.0", "kind": "a.b/c", "devices": []})"),
            "CDI spec /etc/cdi/x.json: cdiVersion: unsupported version \"2.0.0\" (lit reads "
            "0.3.0 to 1.0.0)");
  EXPECT_EQ(json_error(R"({"cdiVersion": "0.6.0", "kind": "gpu", "devices": []})"),
            "CDI spec /etc/cdi/x.json: kind: \"gpu\": no \"/\" between vendor and class");
  EXPECT_EQ(json_error("{" + head + R"("devices": []})"),
            "CDI spec /etc/cdi/x.json: devices: a spec lists at least one device");
  EXPECT_EQ(json_error("{" + head + R"("devices": [{"name": "-a"}]})"),
            "CDI spec /etc/cdi/x.json: devices[0].name: name \"-a\" must start with a letter or "
            "digit");
  EXPECT_EQ(json_error("{" + head + R"("devices": [{"name": "a"}, {"name": "a"}]})"),
            "CDI spec /etc/cdi/x.json: devices[1].name: device \"a\" is listed twice");
  EXPECT_EQ(json_error("{" + head + R"("devices": [{"name": "a", "edits": {}}]})"),
            "CDI spec /etc/cdi/x.json: devices[0].edits: unknown field");
  EXPECT_EQ(json_error("{" + head +
                       R"("devices": [{"name": "a", "containerEdits": {"deviceNodes": [{}]}}]})"),
            "CDI spec /etc/cdi/x.json: devices[0].containerEdits.deviceNodes[0].path: missing");
  EXPECT_EQ(json_error("{" + head +
                       R"("devices": [{"name": "a", "containerEdits": {"deviceNodes": [
                           {"path": "/dev/a", "type": "x"}]}}]})"),
            "CDI spec /etc/cdi/x.json: devices[0].containerEdits.deviceNodes[0].type: \"x\" is "
            "not b, c, u or p");
  EXPECT_EQ(json_error("{" + head +
                       R"("devices": [{"name": "a", "containerEdits": {"deviceNodes": [
                           {"path": "/dev/a", "permissions": "rx"}]}}]})"),
            "CDI spec /etc/cdi/x.json: devices[0].containerEdits.deviceNodes[0].permissions: "
            "\"rx\" is not a combination of r, w and m");
  EXPECT_EQ(json_error("{" + head +
                       R"("devices": [{"name": "a"}], "containerEdits": {"env": ["NOVALUE"]}})"),
            "CDI spec /etc/cdi/x.json: containerEdits.env[0]: \"NOVALUE\" is not NAME=VALUE");
  EXPECT_EQ(json_error("{" + head +
                       R"("devices": [{"name": "a"}], "containerEdits": {"mounts": [
                           {"hostPath": "lib", "containerPath": "/lib"}]}})"),
            "CDI spec /etc/cdi/x.json: containerEdits.mounts[0].hostPath: \"lib\" is not an "
            "absolute path");
  EXPECT_EQ(json_error("{" + head +
                       R"("devices": [{"name": "a"}], "containerEdits": {"hooks": [
                           {"hookName": "later", "path": "/bin/true"}]}})"),
            "CDI spec /etc/cdi/x.json: containerEdits.hooks[0].hookName: unknown hook \"later\"");
  EXPECT_EQ(
      json_error("{" + head +
                 R"("devices": [{"name": "a", "containerEdits": {"additionalGids": [-1]}}]})"),
      "CDI spec /etc/cdi/x.json: devices[0].containerEdits.additionalGids[0]: expected a "
      "non-negative integer, got -1");
}

TEST(CdiSpec, YamlSyntaxErrorNamesTheLine) {
  EXPECT_EQ(error_of([] { parse_spec("kind: [a\n", Format::Yaml, "/etc/cdi/y.yaml"); }),
            "CDI spec /etc/cdi/y.yaml: not valid YAML: end of sequence flow not found at line 2");
}

TEST(CdiSpec, HooksAndUnsupportedFieldsAreKeptToBeRefused) {
  Spec s = parse_spec(R"({"cdiVersion": "0.7.0", "kind": "a.b/c", "devices": [{"name": "x",
      "containerEdits": {"hooks": [{"hookName": "createContainer", "path": "/usr/bin/hook"}],
                         "intelRdt": {"closID": "x"}}}]})",
                      Format::Json, "/etc/cdi/h.json");
  EXPECT_EQ(s.devices[0].edits.hooks,
            (std::vector<HookEdit>{{"createContainer", "/usr/bin/hook"}}));
  EXPECT_EQ(s.devices[0].edits.unsupported, std::vector<std::string>{"intelRdt"});
}

}  // namespace
}  // namespace lit::runtime::cdi
