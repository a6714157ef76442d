// Manifests and indexes from registries, and the choice of a platform.
#include "runtime/image/registry/manifest.hpp"

#include <gtest/gtest.h>

#include "tests/unit/error_of.hpp"

namespace {

using namespace lit::image;
using lit::testing::error_of;

const std::string kD1 = "sha256:" + std::string(64, '1');
const std::string kD2 = "sha256:" + std::string(64, '2');
const std::string kD3 = "sha256:" + std::string(64, '3');

std::string image_manifest(const std::string& layer_type) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":")" +
         kD1 + R"(","size":10},
    "layers":[{"mediaType":")" +
         layer_type + R"(","digest":")" + kD2 + R"(","size":20}]})";
}

std::string entry(const std::string& digest, const std::string& platform) {
  return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + digest +
         R"(","size":5,"platform":)" + platform + "}";
}

Manifest index(const std::vector<std::string>& entries) {
  std::string m = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
                  R"("manifests":[)";
  for (std::size_t i = 0; i < entries.size(); ++i) m += (i ? "," : "") + entries[i];
  return parse_manifest(m + "]}", "", "test:1");
}

TEST(Manifest, DockerSchema2) {
  Manifest m =
      parse_manifest(image_manifest("application/vnd.docker.image.rootfs.diff.tar.gzip"), "", "x");
  EXPECT_FALSE(m.is_index);
  EXPECT_EQ(m.config.digest, kD1);
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0].digest, kD2);
  EXPECT_EQ(m.layers[0].size, 20u);
}

TEST(Manifest, MediaTypeFromContentTypeAndShape) {
  Manifest m = parse_manifest(R"({"schemaVersion":2,"manifests":[]})",
                              "application/vnd.docker.distribution.manifest.list.v2+json", "x");
  EXPECT_TRUE(m.is_index);
  EXPECT_EQ(m.media_type, kDockerManifestList);
  m = parse_manifest(R"({"schemaVersion":2,"manifests":[]})", "", "x");
  EXPECT_TRUE(m.is_index);
}

TEST(Manifest, RefusesWhatCannotBePulled) {
  EXPECT_EQ(error_of([] { parse_manifest(R"({"schemaVersion":1,"fsLayers":[]})", "", "a:1"); }),
            "unsupported manifest a:1: docker schema 1 (deprecated)");
  EXPECT_EQ(error_of([] { parse_manifest("[]", "", "a:1"); }),
            "invalid manifest a:1: not a JSON object");
  EXPECT_NE(error_of([] {
              parse_manifest(image_manifest("application/vnd.oci.image.layer.v1.tar+encrypted"), "",
                             "a:1");
            }).find("is encrypted"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_manifest(
                  image_manifest("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"), "",
                  "a:1");
            }).find("foreign"),
            std::string::npos);
  EXPECT_EQ(error_of([] {
              parse_manifest(R"({"config":{"digest":"sha256:12","size":1},"layers":[]})", "",
                             "a:1");
            }),
            "invalid manifest a:1: config descriptor has no valid sha256 digest");
  EXPECT_NE(error_of([] {
              parse_manifest(R"({"manifests":[{"digest":")" + kD1 + R"(","size":-1}]})", "", "a:1");
            }).find("no valid size"),
            std::string::npos);
}

TEST(Platform, ParsesAndMapsMachines) {
  Platform p = parse_platform("linux/arm64/v8");
  EXPECT_EQ(p.os, "linux");
  EXPECT_EQ(p.architecture, "arm64");
  EXPECT_EQ(p.variant, "v8");
  EXPECT_EQ(p.str(), "linux/arm64/v8");
  EXPECT_EQ(parse_platform("linux/amd64").str(), "linux/amd64");
  EXPECT_EQ(error_of([] { parse_platform("linux"); }), "invalid platform \"linux\"");
  EXPECT_EQ(error_of([] { parse_platform("linux//v7"); }), "invalid platform \"linux//v7\"");
  EXPECT_EQ(platform_for_machine("x86_64").str(), "linux/amd64");
  EXPECT_EQ(platform_for_machine("aarch64").str(), "linux/arm64/v8");
  EXPECT_EQ(platform_for_machine("armv7l").str(), "linux/arm/v7");
  EXPECT_EQ(platform_for_machine("i686").str(), "linux/386");
}

TEST(Platform, SelectsFromAnIndex) {
  Manifest m = index({entry(kD1, R"({"os":"linux","architecture":"amd64"})"),
                      entry(kD2, R"({"os":"linux","architecture":"arm64","variant":"v8"})"),
                      entry(kD3, R"({"os":"unknown","architecture":"unknown"})")});
  EXPECT_EQ(select_platform(m, parse_platform("linux/amd64"), "x").digest, kD1);
  EXPECT_EQ(select_platform(m, parse_platform("linux/arm64"), "x").digest, kD2);
  EXPECT_EQ(select_platform(m, parse_platform("linux/arm64/v8"), "x").digest, kD2);
  EXPECT_EQ(error_of([&] { select_platform(m, parse_platform("linux/s390x"), "test:1"); }),
            "no matching platform test:1: no image for linux/s390x (available: linux/amd64, "
            "linux/arm64/v8)");
}

TEST(Platform, VariantsOfArm) {
  Manifest m = index({entry(kD1, R"({"os":"linux","architecture":"arm","variant":"v6"})"),
                      entry(kD2, R"({"os":"linux","architecture":"arm","variant":"v7"})")});
  EXPECT_EQ(select_platform(m, parse_platform("linux/arm"), "x").digest, kD2);  // the usual one
  EXPECT_EQ(select_platform(m, parse_platform("linux/arm/v6"), "x").digest, kD1);
  EXPECT_NE(error_of([&] { select_platform(m, parse_platform("linux/arm/v5"), "x"); }), "");
}

}  // namespace

namespace {

TEST(TagList, ParsesTheTags) {
  EXPECT_EQ(parse_tag_list(R"({"name":"test/busybox","tags":["1","latest","v1.2_x-y"]})", "t"),
            (std::vector<std::string>{"1", "latest", "v1.2_x-y"}));
  EXPECT_TRUE(parse_tag_list(R"({"name":"x","tags":null})", "t").empty());
  EXPECT_TRUE(parse_tag_list(R"({"name":"x"})", "t").empty());
  EXPECT_EQ(error_of([] { parse_tag_list("[]", "tags of x from registry r"); }),
            "invalid tag list tags of x from registry r: not a JSON object");
  EXPECT_EQ(error_of([] { parse_tag_list(R"({"tags":"1"})", "t"); }),
            "invalid tag list t: \"tags\" is not a list");
  EXPECT_EQ(error_of([] { parse_tag_list(R"({"tags":["../x"]})", "t"); }),
            "invalid tag list t: \"../x\" is not a tag");
  EXPECT_EQ(error_of([] { parse_tag_list(R"({"tags":[1]})", "t"); }),
            "invalid tag list t: 1 is not a tag");
  EXPECT_EQ(error_of([] { parse_tag_list(R"({"tags":[".x"]})", "t"); }),
            "invalid tag list t: \".x\" is not a tag");
  EXPECT_EQ(error_of([&] {
              parse_tag_list("{\"tags\":[\"" + std::string(129, 'a') + "\"]}", "t");
            }).substr(0, 25),
            "invalid tag list t: \"aaaa");
}

TEST(TagList, FindsTheNextLink) {
  EXPECT_EQ(next_link(R"(</v2/x/tags/list?last=1&n=1>; rel="next")"), "/v2/x/tags/list?last=1&n=1");
  EXPECT_EQ(next_link(R"(<https://a/b?c=1,2>; rel=prev, <https://a/next> ;rel = "next")"),
            "https://a/next");
  EXPECT_EQ(next_link(R"(<https://a/b>; title="x"; rel=next)"), "https://a/b");
  EXPECT_EQ(next_link(R"(<https://a/b>; rel="prev")"), "");
  EXPECT_EQ(next_link(""), "");
  EXPECT_EQ(next_link("garbage"), "");
  EXPECT_EQ(next_link("<unclosed; rel=next"), "");
}

}  // namespace
