// The pure parts of `lit image push`: the manifest it writes, where an upload
// continues (Location headers), and the deterministic gzip of layer blobs.
#include "runtime/image/registry/push.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include "runtime/image/digest.hpp"
#include "runtime/image/registry/client.hpp"
#include "runtime/image/registry/layer_blob.hpp"
#include "runtime/util/error.hpp"
#include "tests/unit/runtime/image/layer_tree.hpp"
#include "tests/unit/runtime/image/tar_builder.hpp"
#include "tests/unit/runtime/image/unpack_fixture.hpp"

namespace {

using namespace lit::image;

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');
const std::string kC = "sha256:" + std::string(64, 'c');

std::string gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

TEST(PushManifest, DockerSchema2ByDefault) {
  const std::string m = make_push_manifest(ManifestFormat::docker_v2s2, {"", kA, 1234, {}},
                                           {{"", kB, 10, {}}, {"", kC, 20, {}}});
  EXPECT_EQ(
      m,
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
      R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1234,)"
      R"("digest":")" +
          kA +
          R"("},"layers":[)"
          R"({"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":10,"digest":")" +
          kB +
          R"("},)"
          R"({"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":20,"digest":")" +
          kC + R"("}]})");
  // What lit writes, lit (and so every registry client) reads.
  Manifest parsed = parse_manifest(m, "", "pushed");
  EXPECT_FALSE(parsed.is_index);
  EXPECT_EQ(parsed.config.digest, kA);
  ASSERT_EQ(parsed.layers.size(), 2u);
  EXPECT_EQ(parsed.layers[1].digest, kC);
  EXPECT_EQ(parsed.layers[1].size, 20u);
}

TEST(PushManifest, OciMediaTypes) {
  const std::string m =
      make_push_manifest(ManifestFormat::oci, {"", kA, 5, {}}, {{"", kB, 10, {}}});
  EXPECT_NE(m.find(R"("mediaType":"application/vnd.oci.image.manifest.v1+json")"),
            std::string::npos);
  EXPECT_NE(m.find(R"("mediaType":"application/vnd.oci.image.config.v1+json")"), std::string::npos);
  EXPECT_NE(m.find(R"("mediaType":"application/vnd.oci.image.layer.v1.tar+gzip")"),
            std::string::npos);
  EXPECT_EQ(parse_manifest(m, "", "pushed").layers.at(0).digest, kB);
}

TEST(PushManifest, FormatNames) {
  EXPECT_EQ(parse_manifest_format("v2s2"), ManifestFormat::docker_v2s2);
  EXPECT_EQ(parse_manifest_format("docker"), ManifestFormat::docker_v2s2);
  EXPECT_EQ(parse_manifest_format("oci"), ManifestFormat::oci);
  EXPECT_THROW(parse_manifest_format("v1"), lit::Error);
}

TEST(UploadUrl, LocationHeadersResolvedAgainstTheRequest) {
  const std::string req = "http://127.0.0.1:5000/v2/team/app/blobs/uploads/";
  // Absolute, as docker-registry sends it.
  EXPECT_EQ(resolve_upload_url(req, "http://other:6000/v2/team/app/blobs/uploads/u1?_state=x"),
            "http://other:6000/v2/team/app/blobs/uploads/u1?_state=x");
  // Relative to the host.
  EXPECT_EQ(resolve_upload_url(req, "/v2/team/app/blobs/uploads/u1?_state=x"),
            "http://127.0.0.1:5000/v2/team/app/blobs/uploads/u1?_state=x");
  // Relative to the request's directory.
  EXPECT_EQ(resolve_upload_url(req, "u1"), "http://127.0.0.1:5000/v2/team/app/blobs/uploads/u1");
  EXPECT_EQ(resolve_upload_url("https://r.example/v2/a/blobs/uploads/?mount=x", "u2"),
            "https://r.example/v2/a/blobs/uploads/u2");
  // Scheme-relative.
  EXPECT_EQ(resolve_upload_url("https://r.example/v2/a/blobs/uploads/", "//cdn.example/up/u3"),
            "https://cdn.example/up/u3");
}

TEST(UploadUrl, DigestAddedToTheQuery) {
  const std::string req = "http://127.0.0.1:5000/v2/a/blobs/uploads/";
  EXPECT_EQ(resolve_upload_url(req, "/v2/a/blobs/uploads/u1?_state=x%3D", kA),
            "http://127.0.0.1:5000/v2/a/blobs/uploads/u1?_state=x%3D&digest=sha256%3A" +
                std::string(64, 'a'));
  EXPECT_EQ(resolve_upload_url(req, "/v2/a/blobs/uploads/u1", kA),
            "http://127.0.0.1:5000/v2/a/blobs/uploads/u1?digest=sha256%3A" + std::string(64, 'a'));
}

TEST(LayerGzip, FixedHeaderAndSameBytesEveryTime) {
  std::string data;
  for (int i = 0; i < 200000; ++i) data += static_cast<char>('a' + (i * 7919 % 26));
  const std::string first = gzip_bytes(data), second = gzip_bytes(data);
  EXPECT_EQ(first, second);
  ASSERT_GT(first.size(), 10u);
  // magic, deflate, no flags, mtime 0, XFL 0 (level 6), OS 255 (unknown).
  EXPECT_EQ(first.substr(0, 10), std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10));
  EXPECT_LT(first.size(), data.size());
  EXPECT_EQ(gunzip(first), data);
  EXPECT_EQ(gunzip(gzip_bytes("")), "");
}

TEST(LayerGzip, WrittenInPiecesIsTheSameAsInOne) {
  std::string data(300000, 'x');
  for (std::size_t i = 0; i < data.size(); i += 97) data[i] = static_cast<char>(i % 251);
  std::string pieces;
  GzipWriter gz([&](std::string_view c) { pieces.append(c); });
  for (std::size_t i = 0; i < data.size(); i += 4096)
    gz.write(std::string_view(data).substr(i, 4096));
  gz.finish();
  EXPECT_EQ(pieces, gzip_bytes(data));
}

class LayerBlobTest : public lit::test::Unpack {};

TEST_F(LayerBlobTest, SameLayerSameDigestAndItsTarInside) {
  unpack(lit::test::TarBuilder()
             .dir("etc")
             .file("etc/os-release", "lit\n")
             .file("bin/tool", std::string(100000, 't'), 0755)
             .bytes());
  std::string bytes;
  const LayerBlob first = write_layer_blob(layer, [&](std::string_view c) { bytes.append(c); });
  const LayerBlob measured = write_layer_blob(layer, nullptr);
  EXPECT_EQ(first.digest, measured.digest);
  EXPECT_EQ(first.size, measured.size);
  EXPECT_EQ(first.digest, sha256_digest(bytes));
  EXPECT_EQ(first.size, bytes.size());
  const std::string tar = gunzip(bytes);
  const LayerTarDigest plain = write_layer_tar(layer, nullptr);
  EXPECT_EQ(first.diff_id, plain.diff_id);
  EXPECT_EQ(sha256_digest(tar), plain.diff_id);
  EXPECT_EQ(first.tar_size, tar.size());
}

}  // namespace
