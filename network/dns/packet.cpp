#include "network/dns/packet.hpp"

#include <cctype>

namespace lit::network::dns {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxName = 255;
constexpr int kMaxPointers = 8;  // real queries use none; a few keep odd clients working

uint16_t get16(std::span<const uint8_t> m, size_t at) {
  return static_cast<uint16_t>((m[at] << 8) | m[at + 1]);
}

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xff));
}

void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v & 0xffff));
}

// Header of a reply to q: QR=1, AA=1, RD copied, RA=1.
std::vector<uint8_t> reply_header(const Query& q, Rcode rcode, uint16_t answers) {
  std::vector<uint8_t> out;
  out.reserve(kHeaderSize + q.question_wire.size() + answers * 16u);
  put16(out, q.id);
  uint16_t flags = 0x8000 | static_cast<uint16_t>(q.opcode << 11) | 0x0400 | 0x0080 |
                   static_cast<uint16_t>(rcode);
  if (q.recursion_desired) flags |= 0x0100;
  put16(out, flags);
  put16(out, q.question_wire.empty() ? 0 : 1);
  put16(out, answers);
  put16(out, 0);
  put16(out, 0);
  out.insert(out.end(), q.question_wire.begin(), q.question_wire.end());
  return out;
}

}  // namespace

std::optional<uint16_t> message_id(std::span<const uint8_t> msg) {
  if (msg.size() < kHeaderSize) return std::nullopt;
  return get16(msg, 0);
}

std::optional<std::string> read_name(std::span<const uint8_t> msg, size_t& offset) {
  std::string name;
  size_t at = offset;
  bool jumped = false;
  int pointers = 0;
  for (;;) {
    if (at >= msg.size()) return std::nullopt;
    const uint8_t len = msg[at];
    if ((len & 0xC0) == 0xC0) {
      if (at + 1 >= msg.size() || ++pointers > kMaxPointers) return std::nullopt;
      const size_t target = static_cast<size_t>(((len & 0x3F) << 8) | msg[at + 1]);
      if (target >= at) return std::nullopt;  // only backwards: no loops
      if (!jumped) offset = at + 2;
      jumped = true;
      at = target;
      continue;
    }
    if ((len & 0xC0) != 0) return std::nullopt;  // 0x40/0x80: obsolete label types
    if (len == 0) {
      if (!jumped) offset = at + 1;
      return name;
    }
    if (at + 1 + len > msg.size()) return std::nullopt;
    if (name.size() + len + 1 > kMaxName) return std::nullopt;
    if (!name.empty()) name += '.';
    for (size_t i = 0; i < len; ++i) {
      const auto c = static_cast<unsigned char>(msg[at + 1 + i]);
      if (c == '.' || c == 0) return std::nullopt;  // would be ambiguous as text
      name += static_cast<char>(std::tolower(c));
    }
    at += 1 + len;
  }
}

std::optional<Query> parse_query(std::span<const uint8_t> msg) {
  if (msg.size() < kHeaderSize) return std::nullopt;
  const uint16_t flags = get16(msg, 2);
  if (flags & 0x8000) return std::nullopt;  // a response, not a query
  if (get16(msg, 4) != 1 || get16(msg, 6) != 0 || get16(msg, 8) != 0) return std::nullopt;
  Query q;
  q.id = get16(msg, 0);
  q.opcode = static_cast<uint16_t>((flags >> 11) & 0x0F);
  q.recursion_desired = flags & 0x0100;
  size_t at = kHeaderSize;
  auto name = read_name(msg, at);
  if (!name || at + 4 > msg.size()) return std::nullopt;
  q.question.name = std::move(*name);
  q.question.type = get16(msg, at);
  q.question.klass = get16(msg, at + 2);
  at += 4;
  q.question_wire.assign(msg.begin() + kHeaderSize, msg.begin() + static_cast<std::ptrdiff_t>(at));
  return q;
}

std::vector<uint8_t> build_a_answer(const Query& q, const std::vector<uint32_t>& ipv4,
                                    uint32_t ttl) {
  std::vector<uint8_t> out = reply_header(q, Rcode::NoError, static_cast<uint16_t>(ipv4.size()));
  for (uint32_t addr : ipv4) {
    put16(out, 0xC000 | kHeaderSize);  // the name: a pointer to the question's
    put16(out, kTypeA);
    put16(out, kClassIn);
    put32(out, ttl);
    put16(out, 4);
    put32(out, addr);
  }
  return out;
}

std::vector<uint8_t> build_error(const Query& q, Rcode rcode) { return reply_header(q, rcode, 0); }

std::vector<uint8_t> build_format_error(uint16_t id) {
  Query q;
  q.id = id;
  return reply_header(q, Rcode::FormErr, 0);
}

void set_message_id(std::vector<uint8_t>& msg, uint16_t id) {
  if (msg.size() < 2) return;
  msg[0] = static_cast<uint8_t>(id >> 8);
  msg[1] = static_cast<uint8_t>(id & 0xff);
}

}  // namespace lit::network::dns
