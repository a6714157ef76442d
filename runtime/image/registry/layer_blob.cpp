#include "runtime/image/registry/layer_blob.hpp"

#include <zlib.h>

#include <array>
#include <cstring>

#include "runtime/image/digest.hpp"
#include "runtime/util/error.hpp"

namespace lit::image {

namespace {
constexpr int kLevel = 6;
constexpr int kGzipWindow = 15 + 16;  // 32 KiB window, gzip wrapper
constexpr int kMemLevel = 8;
constexpr int kUnknownOs = 255;
}  // namespace

struct GzipWriter::State {
  z_stream z{};
  gz_header header{};
  std::array<unsigned char, 64 * 1024> out{};
  bool finished = false;
};

GzipWriter::GzipWriter(TarSink sink) : sink_(std::move(sink)), state_(std::make_unique<State>()) {
  if (deflateInit2(&state_->z, kLevel, Z_DEFLATED, kGzipWindow, kMemLevel, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    throw Error("gzip layer", "deflateInit2 failed");
  state_->header.time = 0;
  state_->header.os = kUnknownOs;
  deflateSetHeader(&state_->z, &state_->header);
}

GzipWriter::~GzipWriter() { deflateEnd(&state_->z); }

void GzipWriter::pump(int flush) {
  z_stream& z = state_->z;
  for (;;) {
    z.next_out = state_->out.data();
    z.avail_out = static_cast<uInt>(state_->out.size());
    const int rc = deflate(&z, flush);
    if (rc == Z_STREAM_ERROR) throw Error("gzip layer", "deflate failed");
    const std::size_t produced = state_->out.size() - z.avail_out;
    if (produced > 0 && sink_)
      sink_(std::string_view(reinterpret_cast<const char*>(state_->out.data()), produced));
    if (flush == Z_FINISH ? rc == Z_STREAM_END : (z.avail_in == 0 && z.avail_out != 0)) return;
  }
}

void GzipWriter::write(std::string_view data) {
  z_stream& z = state_->z;
  while (!data.empty()) {
    const std::size_t n = std::min<std::size_t>(data.size(), 1u << 30);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(n);
    pump(Z_NO_FLUSH);
    data.remove_prefix(n);
  }
}

void GzipWriter::finish() {
  if (state_->finished) return;
  state_->z.next_in = nullptr;
  state_->z.avail_in = 0;
  pump(Z_FINISH);
  state_->finished = true;
}

std::string gzip_bytes(std::string_view data) {
  std::string out;
  GzipWriter gz([&](std::string_view chunk) { out.append(chunk); });
  gz.write(data);
  gz.finish();
  return out;
}

LayerBlob write_layer_blob(const std::filesystem::path& dir, const TarSink& sink) {
  Sha256 hash;
  LayerBlob blob;
  GzipWriter gz([&](std::string_view chunk) {
    hash.update(chunk.data(), chunk.size());
    blob.size += chunk.size();
    if (sink) sink(chunk);
  });
  const LayerTarDigest tar = write_layer_tar(dir, [&](std::string_view d) { gz.write(d); });
  gz.finish();
  blob.diff_id = tar.diff_id;
  blob.tar_size = tar.size;
  blob.digest = hash.digest();
  return blob;
}

}  // namespace lit::image
