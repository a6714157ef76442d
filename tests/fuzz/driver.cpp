// A small stand-in for libFuzzer where it is not available (g++): feeds the
// target its seed inputs, then deterministic random mutations of them, so every
// CI run fuzzes a little. With clang, build with -DLIT_FUZZ=ON for real libFuzzer.
// Usage: driver ITERATIONS [SEED_FILES...]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  std::vector<std::vector<uint8_t>> corpus;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (corpus.empty()) corpus.push_back({});
  std::mt19937 rng(12345);
  for (const auto& c : corpus) LLVMFuzzerTestOneInput(c.data(), c.size());
  for (long i = 0; i < iterations; ++i) {
    std::vector<uint8_t> input = corpus[rng() % corpus.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:  // flip a byte
          if (!input.empty()) input[rng() % input.size()] = static_cast<uint8_t>(rng());
          break;
        case 1:  // insert
          input.insert(input.begin() + static_cast<long>(input.empty() ? 0 : rng() % input.size()),
                       static_cast<uint8_t>(rng()));
          break;
        case 2:  // truncate
          if (!input.empty()) input.resize(rng() % input.size());
          break;
        default:  // interesting bytes: pointers and label lengths
          if (!input.empty()) input[rng() % input.size()] = (rng() & 1) ? 0xC0 : 63;
      }
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("fuzzed %ld inputs from %zu seeds\n", iterations, corpus.size());
  return 0;
}
