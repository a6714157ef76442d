// lit's config file: the registries section, good and bad inputs.
#include "runtime/image/registry/registry_config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/unit/error_of.hpp"

namespace {

using namespace lit::image;
using lit::testing::error_of;
namespace fs = std::filesystem;

const std::string kFile = "/etc/lit/config.yml";

RegistryConfig parse(const std::string& text) { return parse_registry_config(text, kFile); }
std::string error(const std::string& text) {
  return error_of([&] { parse(text); });
}

TEST(RegistryConfig, ParsesInsecureAndMirrors) {
  RegistryConfig c = parse(R"(# lit's settings
registries:
  insecure: ["registry.local:5000", 10.0.0.5, "[fd00::1]:443"]
  mirrors:
    docker.io: ["mirror.local:5000", "https://m2.example/"]
    index.docker.io: [http://m3.example:80]
    quay.io:
      - quay-cache.local
)");
  EXPECT_EQ(c.insecure,
            (std::vector<std::string>{"registry.local:5000", "10.0.0.5", "[fd00::1]:443"}));
  ASSERT_EQ(c.mirrors.size(), 2u);
  EXPECT_EQ(c.mirrors["docker.io"],
            (std::vector<std::string>{"mirror.local:5000", "https://m2.example/",
                                      "http://m3.example:80"}));
  EXPECT_EQ(c.mirrors["quay.io"], (std::vector<std::string>{"quay-cache.local"}));
}

TEST(RegistryConfig, EmptyOrPartialFilesAreDefaults) {
  for (const std::string text :
       {"", "# nothing\n", "registries:\n", "registries: {}\n",
        "registries:\n  insecure: []\n  mirrors: {}\n", "registries:\n  insecure:\n  mirrors:\n"}) {
    RegistryConfig c = parse(text);
    EXPECT_TRUE(c.insecure.empty()) << text;
    EXPECT_TRUE(c.mirrors.empty()) << text;
  }
}

TEST(RegistryConfig, SplitsMirrors) {
  EXPECT_EQ(split_mirror("mirror.local:5000"),
            (std::pair<std::string, std::string>{"", "mirror.local:5000"}));
  EXPECT_EQ(split_mirror("https://m2.example/"),
            (std::pair<std::string, std::string>{"https", "m2.example"}));
  EXPECT_EQ(split_mirror("http://127.0.0.1:81"),
            (std::pair<std::string, std::string>{"http", "127.0.0.1:81"}));
}

TEST(RegistryConfig, MalformedFilesAreOneLineErrorsNamingFileLineAndKey) {
  EXPECT_EQ(error("registries:\n  insecure: [a:b:c]\n"),
            kFile + ":2: registries.insecure: \"a:b:c\" is not HOST[:PORT]");
  EXPECT_EQ(error("registries:\n  insecure:\n    - ok.example\n    - http://x\n"),
            kFile + ":4: registries.insecure: \"http://x\" is not HOST[:PORT]");
  EXPECT_EQ(error("registries:\n  insecure: registry.local\n"),
            kFile + ":2: registries.insecure: expected a list");
  EXPECT_EQ(error("registries:\n  insecure: [[a]]\n"),
            kFile + ":2: registries.insecure: expected a string");
  EXPECT_EQ(error("registries:\n  mirrors:\n    docker.io: mirror.local\n"),
            kFile + ":3: registries.mirrors.docker.io: expected a list");
  EXPECT_EQ(error("registries:\n  mirrors:\n    docker.io: [\"ftp://m\"]\n"),
            kFile + ":3: registries.mirrors.docker.io: \"ftp://m\" is not [http[s]://]HOST[:PORT]");
  EXPECT_EQ(error("registries:\n  mirrors:\n    docker.io: [\"https://m/path\"]\n"),
            kFile +
                ":3: registries.mirrors.docker.io: \"https://m/path\" is not "
                "[http[s]://]HOST[:PORT]");
  EXPECT_EQ(error("registries:\n  mirrors:\n    \"a b\": [m]\n"),
            kFile + ":3: registries.mirrors.a b: a registry is HOST[:PORT]");
  EXPECT_EQ(error("registries:\n  mirrors: [m]\n"),
            kFile + ":2: registries.mirrors: expected a mapping of registry to its mirrors");
  EXPECT_EQ(error("registries:\n  insecur: [a]\n"),
            kFile + ":2: registries.insecur: unknown key (use insecure, mirrors)");
  EXPECT_EQ(error("registry:\n  insecure: [a]\n"),
            kFile + ":1: registry: unknown key (lit's config has: registries)");
  EXPECT_EQ(error("registries: [a]\n"),
            kFile + ":1: registries: expected a mapping (insecure, mirrors)");
  EXPECT_EQ(error("- a\n"), kFile + ":1: (top level): expected a mapping");
  EXPECT_EQ(error("registries:\n  insecure: [a\n"),
            kFile + ":3: invalid YAML: end of sequence flow not found");
}

TEST(RegistryConfig, PathAndLoading) {
  const char* old = std::getenv("LIT_CONFIG");
  ::unsetenv("LIT_CONFIG");
  EXPECT_EQ(registry_config_path(), fs::path("/etc/lit/config.yml"));
  fs::path dir = fs::temp_directory_path() / ("lit-config-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ::setenv("LIT_CONFIG", (dir / "c.yml").c_str(), 1);
  EXPECT_EQ(registry_config_path(), dir / "c.yml");
  EXPECT_TRUE(load_registry_config(dir / "c.yml").insecure.empty());  // absent: defaults
  std::ofstream(dir / "c.yml") << "registries:\n  insecure: [r.local:5000]\n";
  EXPECT_EQ(load_registry_config(dir / "c.yml").insecure, std::vector<std::string>{"r.local:5000"});
  std::ofstream(dir / "c.yml") << "registries:\n  insecure: 5\n";
  EXPECT_EQ(error_of([&] { load_registry_config(dir / "c.yml"); }),
            (dir / "c.yml").string() + ":2: registries.insecure: expected a list");
  fs::remove_all(dir);
  if (old != nullptr)
    ::setenv("LIT_CONFIG", old, 1);
  else
    ::unsetenv("LIT_CONFIG");
}

}  // namespace
