// Credentials in docker's config format: parsing, updating, lookup order.
#include "runtime/image/registry/credentials.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

namespace {

using namespace lit::image;
namespace fs = std::filesystem;

TEST(Credentials, Base64RoundTrip) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "user:p@ss:word", std::string("\0\xff", 2)}) {
    auto d = base64_decode(base64_encode(s));
    ASSERT_TRUE(d.has_value()) << s;
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(base64_encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_FALSE(base64_decode("not base64!").has_value());
}

TEST(Credentials, RegistryKeys) {
  EXPECT_EQ(registry_key("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(registry_key("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(registry_key("http://localhost:5000/v2/"), "localhost:5000");
  EXPECT_EQ(registry_key("Quay.IO"), "quay.io");
}

TEST(Credentials, ParsesDockerConfig) {
  auto c = parse_auth_config(R"({
    "auths": {
      "https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"},
      "127.0.0.1:5000": {"username": "u2", "password": "p:2"},
      "helper.example.com": {},
      "bad.example.com": {"auth": "!!"}
    },
    "credsStore": "desktop"
  })",
                             "config.json");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c.at("docker.io").username, "user");
  EXPECT_EQ(c.at("docker.io").password, "pass");
  EXPECT_EQ(c.at("127.0.0.1:5000").password, "p:2");
  EXPECT_TRUE(parse_auth_config("", "empty").empty());
  EXPECT_EQ(lit::testing::error_of([] { parse_auth_config("[1]", "x.json"); }),
            "invalid credentials file x.json: not a JSON object");
}

TEST(Credentials, UpdateKeepsOtherKeysAndReplacesEverySpelling) {
  std::string text = update_auth_config(
      R"({"auths":{"https://index.docker.io/v1/":{"auth":"eDp5"}},"credsStore":"x"})", "docker.io",
      Credential{"me", "secret"}, "f");
  auto c = parse_auth_config(text, "f");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c.at("docker.io").username, "me");
  EXPECT_NE(text.find("credsStore"), std::string::npos);
  text = update_auth_config(text, "docker.io", std::nullopt, "f");
  EXPECT_TRUE(parse_auth_config(text, "f").empty());
}

TEST(Credentials, FileOrderAndMode) {
  lit::TempDir dir(fs::temp_directory_path(), "lit-cred-");
  fs::path own = dir.path() / "own.json", lit_root = dir.path() / "root";
  ::setenv("REGISTRY_AUTH_FILE", own.c_str(), 1);
  ::setenv("DOCKER_CONFIG", (dir.path() / "docker").c_str(), 1);
  AuthFiles files = auth_files(lit_root);
  ASSERT_EQ(files.read.size(), 3u);
  EXPECT_EQ(files.write, own);
  lit::make_dirs(dir.path() / "docker");
  lit::write_file_atomic(dir.path() / "docker" / "config.json",
                         R"({"auths":{"r.example":{"auth":"ZDpk"},"s.example":{"auth":"ZDpk"}}})");
  EXPECT_EQ(find_credential(files, "r.example")->username, "d");
  ASSERT_TRUE(save_credential(own, "r.example", Credential{"o", "o"}));
  EXPECT_EQ(find_credential(files, "r.example")->username, "o");  // REGISTRY_AUTH_FILE first
  EXPECT_EQ(find_credential(files, "s.example")->username, "d");
  EXPECT_FALSE(find_credential(files, "t.example").has_value());
  struct stat st {};
  ASSERT_EQ(::stat(own.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(save_credential(own, "r.example", std::nullopt));
  EXPECT_FALSE(save_credential(own, "r.example", std::nullopt));
  ::unsetenv("REGISTRY_AUTH_FILE");
  ::unsetenv("DOCKER_CONFIG");
  EXPECT_EQ(auth_files(lit_root).write, lit_root / "auth.json");
}

}  // namespace
