#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "network/dns/packet.hpp"

namespace lit::network::dns {
namespace {

std::vector<uint8_t> encode_name(const std::string& name) {
  std::vector<uint8_t> out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start),
               name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

std::vector<uint8_t> query(uint16_t id, const std::string& name, uint16_t type = kTypeA) {
  std::vector<uint8_t> m = {
      static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  auto n = encode_name(name);
  m.insert(m.end(), n.begin(), n.end());
  m.insert(m.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  return m;
}

TEST(DnsPacket, ParsesAStandardQuery) {
  auto q = parse_query(query(0xBEEF, "Web.MyProj"));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->id, 0xBEEF);
  EXPECT_TRUE(q->recursion_desired);
  EXPECT_EQ(q->question.name, "web.myproj");  // names compare case-insensitively
  EXPECT_EQ(q->question.type, kTypeA);
  EXPECT_EQ(q->question.klass, kClassIn);
}

TEST(DnsPacket, AnswerCarriesEveryAddressInOrder) {
  auto q = parse_query(query(7, "db"));
  ASSERT_TRUE(q);
  auto a = build_a_answer(*q, {0x0A5A0002, 0x0A5A0003}, 5);
  EXPECT_EQ(a[0], 0);
  EXPECT_EQ(a[1], 7);
  EXPECT_EQ(a[2] & 0x80, 0x80);  // a response
  EXPECT_EQ(a[3] & 0x0F, 0);     // NOERROR
  EXPECT_EQ(a[7], 2);            // two answers
  // The last 4 bytes are the second address.
  EXPECT_EQ(std::vector<uint8_t>(a.end() - 4, a.end()), (std::vector<uint8_t>{10, 90, 0, 3}));
  // Each answer's name points back at the question.
  size_t first_answer = 12 + q->question_wire.size();
  size_t at = first_answer;
  auto name = read_name(a, at);
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "db");
}

TEST(DnsPacket, ErrorsEchoTheQuestion) {
  auto q = parse_query(query(9, "nope.example"));
  ASSERT_TRUE(q);
  auto r = build_error(*q, Rcode::NxDomain);
  EXPECT_EQ(r[3] & 0x0F, 3);
  EXPECT_EQ(r[5], 1);
  EXPECT_EQ(r.size(), 12 + q->question_wire.size());
  EXPECT_EQ(build_format_error(5)[3] & 0x0F, 1);
}

TEST(DnsPacket, RejectsMalformedInput) {
  EXPECT_FALSE(parse_query(std::vector<uint8_t>(11, 0)));  // short header
  auto m = query(1, "web");
  m[2] |= 0x80;  // a response
  EXPECT_FALSE(parse_query(m));
  m = query(1, "web");
  m[5] = 2;  // two questions
  EXPECT_FALSE(parse_query(m));
  m = query(1, "web");
  m.resize(m.size() - 1);  // truncated type/class
  EXPECT_FALSE(parse_query(m));
  m = query(1, "web");
  m[12] = 60;  // label longer than the message
  EXPECT_FALSE(parse_query(m));
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name.append(60, 'a').append(".");
  EXPECT_FALSE(parse_query(query(1, long_name + "x")));  // over 255 bytes
}

TEST(DnsPacket, CompressionPointersOnlyGoBackwards) {
  // A pointer to itself (a loop) and a pointer forward are both refused.
  std::vector<uint8_t> m = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  EXPECT_FALSE(parse_query(m));
  m[13] = 14;
  EXPECT_FALSE(parse_query(m));
  // A valid backward pointer: "web" then a name pointing at it.
  std::vector<uint8_t> msg = {3, 'w', 'e', 'b', 0, 0xC0, 0};
  size_t at = 5;
  auto name = read_name(msg, at);
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "web");
  EXPECT_EQ(at, 7u);
}

TEST(DnsPacket, SetsMessageIds) {
  auto m = query(1, "web");
  set_message_id(m, 0x1234);
  EXPECT_EQ(message_id(m), 0x1234);
  EXPECT_FALSE(message_id(std::vector<uint8_t>(3, 0)));
}

}  // namespace
}  // namespace lit::network::dns
