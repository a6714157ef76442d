#pragma once
// A layer of the store as `lit image push` sends it: the reproducible layer
// tar (layer_tar.hpp) compressed with gzip so that the same layer gives the
// same blob, and so the same digest, every time:
//  - zlib's deflate at level 6 (its default, and docker's size/speed choice),
//    default window and memory level, one stream with no flushes in between;
//  - a fixed gzip header: mtime 0, no file name or comment, OS byte 255
//    ("unknown", as Go's compress/gzip writes it), XFL as zlib derives it.
// The bytes depend on zlib's deflate, which has not changed its output for a
// given level in years; a different compressor (docker's Go one) gives other
// bytes for the same tar, which is why a pushed layer's digest is lit's own
// and not the one the image was pulled with (its diff ID, the tar's digest,
// is the source's whenever the regenerated tar is byte for byte the original).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/image/layer_tar.hpp"

namespace lit::image {

// Compresses a stream as above, passing the output to a sink.
class GzipWriter {
 public:
  explicit GzipWriter(TarSink sink);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;
  void write(std::string_view data);
  void finish();  // writes the trailer; no write afterwards

 private:
  void pump(int flush);
  struct State;
  TarSink sink_;
  std::unique_ptr<State> state_;
};

// The deterministic gzip of `data` in one piece (tests, small blobs).
std::string gzip_bytes(std::string_view data);

struct LayerBlob {
  std::string diff_id;         // of the uncompressed tar
  std::string digest;          // of the gzip blob
  std::uint64_t size = 0;      // of the gzip blob
  std::uint64_t tar_size = 0;  // of the uncompressed tar
};

// Writes the layer in `dir` as the gzip blob to `sink` (nullptr: only
// measured). Throws lit::Error naming the file that could not be read.
LayerBlob write_layer_blob(const std::filesystem::path& dir, const TarSink& sink);

}  // namespace lit::image
