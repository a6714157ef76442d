// A small stand-in for libFuzzer where it is not available (g++): feeds the
// target its seed inputs, then deterministic random mutations of them, so every
// CI run fuzzes a little. With clang, build with -DLIT_FUZZ=ON for real libFuzzer.
// Usage: driver ITERATIONS [SEED_FILES...]
// When the target crashes (sanitizer report, uncaught exception, abort) or one
// input runs longer than LIT_FUZZ_TIMEOUT seconds (default 10), the input is
// written to ./crash-<N> (or $LIT_FUZZ_CRASH_DIR/crash-<N>) to reproduce with
// `driver 0 crash-<N>`.
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// g++ links UBSan as a runtime of its own, which does not call ASan's death
// callback: it aborts instead (SIGABRT saves the input), with a stack trace.
extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1:abort_on_error=1"; }

namespace {

const std::vector<uint8_t>* current = nullptr;  // the input being run
char crash_path[4096];

// Async-signal-safe: called from a sanitizer's death callback or SIGALRM/SIGABRT.
void save_current() {
  if (current == nullptr) return;
  const std::vector<uint8_t>* input = current;
  current = nullptr;
  int fd = ::open(crash_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  for (size_t off = 0; off < input->size();) {
    ssize_t n = ::write(fd, input->data() + off, input->size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  static const char msg[] = "\nfuzz driver: the input is saved in ";
  (void)!::write(2, msg, sizeof msg - 1);
  (void)!::write(2, crash_path, __builtin_strlen(crash_path));
  (void)!::write(2, "\n", 1);
}

void on_signal(int sig) {
  if (sig == SIGALRM) {
    static const char msg[] = "fuzz driver: one input ran past LIT_FUZZ_TIMEOUT\n";
    (void)!::write(2, msg, sizeof msg - 1);
  }
  save_current();
  ::signal(SIGABRT, SIG_DFL);
  ::abort();
}

void run(const std::vector<uint8_t>& input, unsigned timeout) {
  current = &input;
  ::alarm(timeout);
  LLVMFuzzerTestOneInput(input.data(), input.size());
  ::alarm(0);
  current = nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  const char* t = std::getenv("LIT_FUZZ_TIMEOUT");
  const unsigned timeout = t && *t ? static_cast<unsigned>(std::atoi(t)) : 10;
  const char* dir = std::getenv("LIT_FUZZ_CRASH_DIR");
  std::snprintf(crash_path, sizeof crash_path, "%s/crash-%d", dir && *dir ? dir : ".", ::getpid());
  __sanitizer_set_death_callback(save_current);
  std::set_terminate([] {
    if (auto e = std::current_exception()) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "fuzz driver: uncaught exception: %s\n", ex.what());
      } catch (...) {
        std::fprintf(stderr, "fuzz driver: uncaught exception\n");
      }
    }
    on_signal(SIGABRT);
  });
  ::signal(SIGALRM, on_signal);
  ::signal(SIGABRT, on_signal);

  std::vector<std::vector<uint8_t>> corpus;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (corpus.empty()) corpus.push_back({});
  std::mt19937 rng(12345);
  for (const auto& c : corpus) run(c, timeout);
  for (long i = 0; i < iterations; ++i) {
    std::vector<uint8_t> input = corpus[rng() % corpus.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 6) {
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
        case 3:  // splice: a piece of another seed (or this one) copied in
        case 4: {
          const auto& from = corpus[rng() % corpus.size()];
          if (from.empty()) break;
          size_t at = rng() % from.size(), len = 1 + rng() % std::min<size_t>(64, from.size() - at);
          size_t to = input.empty() ? 0 : rng() % input.size();
          input.insert(input.begin() + static_cast<long>(to), from.begin() + static_cast<long>(at),
                       from.begin() + static_cast<long>(at + len));
          break;
        }
        default:  // interesting bytes: DNS pointers and label lengths, tar and JSON syntax
          if (!input.empty()) {
            static const uint8_t kBytes[] = {0xC0, 63,  0,   0xFF, '/', '.',
                                             '"',  '{', '[', ':',  '$', '\n'};
            input[rng() % input.size()] = kBytes[rng() % sizeof kBytes];
          }
      }
    }
    run(input, timeout);
  }
  std::printf("fuzzed %ld inputs from %zu seeds\n", iterations, corpus.size());
  return 0;
}
