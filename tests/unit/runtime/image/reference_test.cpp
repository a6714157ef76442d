// Reference normalization, as docker's distribution/reference does it.
#include "runtime/image/reference.hpp"

#include <gtest/gtest.h>

#include "runtime/util/error.hpp"

namespace {

using lit::image::parse_reference;

struct Case {
  const char* input;
  const char* normalized;
  const char* familiar;
};

TEST(Reference, NormalizesLikeDocker) {
  const Case cases[] = {
      {"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
      {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
      {"library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
      {"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
      {"index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
      {"team/app", "docker.io/team/app:latest", "team/app:latest"},
      {"docker.io/team/app:latest", "docker.io/team/app:latest", "team/app:latest"},
      {"team/sub/app:v1.2-rc_3", "docker.io/team/sub/app:v1.2-rc_3", "team/sub/app:v1.2-rc_3"},
      {"localhost/lit-test:latest", "localhost/lit-test:latest", "localhost/lit-test:latest"},
      {"localhost/x", "localhost/x:latest", "localhost/x:latest"},
      {"localhost:5000/x:1", "localhost:5000/x:1", "localhost:5000/x:1"},
      {"registry.example.com/a/b", "registry.example.com/a/b:latest",
       "registry.example.com/a/b:latest"},
      {"my-registry.io:443/a__b/c.d/e-f", "my-registry.io:443/a__b/c.d/e-f:latest",
       "my-registry.io:443/a__b/c.d/e-f:latest"},
      {"Registry.Example.com/a", "Registry.Example.com/a:latest", "Registry.Example.com/a:latest"},
  };
  for (const auto& c : cases) {
    auto r = parse_reference(c.input);
    EXPECT_EQ(r.str(), c.normalized) << c.input;
    EXPECT_EQ(r.familiar(), c.familiar) << c.input;
    EXPECT_EQ(parse_reference(r.str()).str(), c.normalized) << "round trip of " << c.input;
    EXPECT_EQ(lit::image::familiar(c.normalized), c.familiar);
  }
}

TEST(Reference, DigestReferencesKeepTheirDigestAndGetNoDefaultTag) {
  const std::string d = "sha256:" + std::string(64, 'a');
  auto r = parse_reference("registry.example.com/a/b@" + d);
  EXPECT_EQ(r.domain, "registry.example.com");
  EXPECT_EQ(r.path, "a/b");
  EXPECT_EQ(r.tag, "");
  EXPECT_EQ(r.digest, d);
  EXPECT_EQ(r.str(), "registry.example.com/a/b@" + d);
  auto both = parse_reference("busybox:1@" + d);
  EXPECT_EQ(both.str(), "docker.io/library/busybox:1@" + d);
  EXPECT_EQ(both.familiar(), "busybox:1@" + d);
}

TEST(Reference, SplitsDomainPathTag) {
  auto r = parse_reference("localhost:5000/team/app:2");
  EXPECT_EQ(r.domain, "localhost:5000");
  EXPECT_EQ(r.path, "team/app");
  EXPECT_EQ(r.tag, "2");
  EXPECT_EQ(r.name(), "localhost:5000/team/app");
  EXPECT_EQ(r.familiar_name(), "localhost:5000/team/app");
  EXPECT_EQ(parse_reference("team/app").familiar_name(), "team/app");
}

void expect_invalid(const std::string& input, const std::string& why) {
  try {
    auto r = parse_reference(input);
    ADD_FAILURE() << input << " parsed as " << r.str();
  } catch (const lit::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("invalid image reference \"" + input + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find(why), std::string::npos) << msg;
  }
}

TEST(Reference, RejectsInvalidReferencesClearly) {
  expect_invalid("", "empty");
  expect_invalid("Busybox", "must be lowercase");
  expect_invalid("team/App:1", "must be lowercase");
  expect_invalid("busybox:", "invalid tag");
  expect_invalid("busybox:-bad", "invalid tag");
  expect_invalid("busybox:a/b", "invalid");
  expect_invalid("busybox:" + std::string(129, 'a'), "invalid tag");
  expect_invalid("busybox@sha256:abc", "digest");
  expect_invalid("busybox@md5:" + std::string(32, 'a'), "digest");
  expect_invalid(std::string(64, 'a'), "64-character hex");
  expect_invalid("a//b", "invalid repository name component");
  expect_invalid("-a", "invalid repository name component");
  expect_invalid("a..b", "invalid repository name component");
  expect_invalid("a___b", "invalid repository name component");
  expect_invalid("team/app b", "invalid repository name component");
  expect_invalid(":tag", "missing repository name");
  expect_invalid("local_host:5000/x", "invalid registry");
  expect_invalid(std::string(256, 'a'), "longer than 255");
}

}  // namespace
