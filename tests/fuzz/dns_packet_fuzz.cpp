// Fuzz target: DNS messages from containers are untrusted. Whatever the bytes,
// parsing must not crash or read out of bounds (ASan/UBSan), and anything it
// accepts must round-trip through the reply builders.
#include <cstddef>
#include <cstdint>
#include <span>

#include "network/dns/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lit::network::dns;
  std::span<const uint8_t> msg(data, size);
  (void)message_id(msg);
  for (size_t at = 0; at < size && at < 64; ++at) {
    size_t offset = at;
    if (auto name = read_name(msg, offset)) {
      if (name->size() > 255 || offset > size) __builtin_trap();
    }
  }
  if (auto q = parse_query(msg)) {
    auto answer = build_a_answer(*q, {0x0A000001}, 1);
    auto again = parse_query(build_error(*q, Rcode::NxDomain));
    (void)again;
    if (answer.size() < 12 + q->question_wire.size()) __builtin_trap();
  }
  return 0;
}
