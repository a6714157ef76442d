#pragma once
// DNS messages (RFC 1035) as lit's embedded resolver sees them: queries from
// containers are untrusted input, so parsing is bounds-checked at every byte,
// follows at most a few compression pointers (backwards only) and never
// allocates more than a name's 255 bytes. Fuzzed in tests/fuzz/.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lit::network::dns {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeAAAA = 28;
inline constexpr uint16_t kTypeAny = 255;
inline constexpr uint16_t kClassIn = 1;

enum class Rcode : uint8_t {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NxDomain = 3,
  NotImp = 4,
  Refused = 5
};

struct Question {
  std::string name;  // lower case, dots between labels, no trailing dot ("web.myproj")
  uint16_t type = 0;
  uint16_t klass = 0;
};

struct Query {
  uint16_t id = 0;
  bool recursion_desired = false;
  uint16_t opcode = 0;
  Question question;
  std::vector<uint8_t> question_wire;  // the question section as received, echoed in answers
};

// The 16-bit id of any message with a complete header; nullopt when shorter.
std::optional<uint16_t> message_id(std::span<const uint8_t> msg);

// A standard query with exactly one question; nullopt for anything else
// (a response, truncated data, bad labels, pointer loops, trailing garbage is
// tolerated only as additional records such as EDNS OPT).
std::optional<Query> parse_query(std::span<const uint8_t> msg);

// Reads a (possibly compressed) name at `offset`; advances offset past it in
// the message (not past the pointer target). nullopt when malformed.
std::optional<std::string> read_name(std::span<const uint8_t> msg, size_t& offset);

// An authoritative answer with one A record per address (in the given order).
std::vector<uint8_t> build_a_answer(const Query& q, const std::vector<uint32_t>& ipv4_host_order,
                                    uint32_t ttl);

// A reply carrying only a response code (NXDOMAIN, SERVFAIL, ...), echoing the question.
std::vector<uint8_t> build_error(const Query& q, Rcode rcode);

// FORMERR for a message whose header was readable but whose body was not.
std::vector<uint8_t> build_format_error(uint16_t id);

// Replaces the id of a message in place (forwarding to and from the upstream).
void set_message_id(std::vector<uint8_t>& msg, uint16_t id);

}  // namespace lit::network::dns
