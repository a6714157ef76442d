// The device cgroup rules and the eBPF program lit assembles for cgroup v2.
#include "runtime/cgroups/device_filter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/cgroups/device_rules.hpp"

namespace lit::cgroups {
namespace {

// An instruction as text, so a mismatch shows where the program differs.
std::string text(const bpf_insn& i) {
  return std::to_string(i.code) + " r" + std::to_string(i.dst_reg) + " r" +
         std::to_string(i.src_reg) + " off=" + std::to_string(i.off) +
         " imm=" + std::to_string(i.imm);
}

std::vector<std::string> texts(const std::vector<bpf_insn>& program) {
  std::vector<std::string> out;
  for (const auto& i : program) out.push_back(text(i));
  return out;
}

bpf_insn make(int code, int dst, int src, int off, int imm) {
  bpf_insn i{};
  i.code = static_cast<std::uint8_t>(code);
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = static_cast<std::int16_t>(off);
  i.imm = imm;
  return i;
}

constexpr int kLdxW = BPF_LDX | BPF_MEM | BPF_W;
constexpr int kJneK = BPF_JMP | BPF_JNE | BPF_K;
constexpr int kJneX = BPF_JMP | BPF_JNE | BPF_X;
constexpr int kMov32K = BPF_ALU | BPF_MOV | BPF_K;
constexpr int kExit = BPF_JMP | BPF_EXIT;

std::vector<bpf_insn> prologue() {
  return {make(kLdxW, 2, 1, 0, 0), make(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff),
          make(kLdxW, 3, 1, 0, 0), make(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16),
          make(kLdxW, 4, 1, 4, 0), make(kLdxW, 5, 1, 8, 0)};
}

TEST(DeviceFilter, EachRuleTestsWhatItNamesAndJumpsToTheNextRule) {
  std::vector<DeviceRule> rules = {
      {DeviceType::Char, 1, 3, kDeviceAllAccess},                     // /dev/null, any access
      {DeviceType::Block, std::nullopt, std::nullopt, kDeviceMknod},  // mknod of any block node
  };
  std::vector<bpf_insn> want = prologue();
  // c 1:3 rwm: type, major, minor; on a mismatch skip the rest of the block (to insn 11).
  want.push_back(make(kJneK, 2, 0, 4, BPF_DEVCG_DEV_CHAR));
  want.push_back(make(kJneK, 4, 0, 3, 1));
  want.push_back(make(kJneK, 5, 0, 2, 3));
  want.push_back(make(kMov32K, 0, 0, 0, 1));
  want.push_back(make(kExit, 0, 0, 0, 0));
  // b *:* m: type, then the requested access must be within m: (r3 & m) == r3.
  want.push_back(make(kJneK, 2, 0, 5, BPF_DEVCG_DEV_BLOCK));
  want.push_back(make(BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0));
  want.push_back(make(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, kDeviceMknod));
  want.push_back(make(kJneX, 1, 3, 2, 0));
  want.push_back(make(kMov32K, 0, 0, 0, 1));
  want.push_back(make(kExit, 0, 0, 0, 0));
  // No rule matched: deny.
  want.push_back(make(kMov32K, 0, 0, 0, 0));
  want.push_back(make(kExit, 0, 0, 0, 0));
  EXPECT_EQ(texts(device_filter_program(rules)), texts(want));
}

TEST(DeviceFilter, NoRulesDeniesEverything) {
  std::vector<bpf_insn> want = prologue();
  want.push_back(make(kMov32K, 0, 0, 0, 0));
  want.push_back(make(kExit, 0, 0, 0, 0));
  EXPECT_EQ(texts(device_filter_program({})), texts(want));
}

TEST(DeviceFilter, AnAllowAllRuleEndsTheProgram) {
  // Instructions after it could never run, which the kernel's verifier refuses.
  auto program = device_filter_program({all_devices_rule(), {DeviceType::Char, 1, 3, kDeviceRead}});
  std::vector<bpf_insn> want = prologue();
  want.push_back(make(kMov32K, 0, 0, 0, 1));
  want.push_back(make(kExit, 0, 0, 0, 0));
  EXPECT_EQ(texts(program), texts(want));
}

TEST(DeviceFilter, EveryJumpLandsOnARuleStartOrTheDeny) {
  auto program = device_filter_program(default_device_rules());
  for (std::size_t pc = 0; pc < program.size(); ++pc) {
    if (BPF_CLASS(program[pc].code) != BPF_JMP || BPF_OP(program[pc].code) == BPF_EXIT) continue;
    std::size_t target = pc + 1 + static_cast<std::size_t>(program[pc].off);
    ASSERT_LT(target, program.size()) << "insn " << pc;
    // A rule's block starts right after an exit (or is the final deny).
    EXPECT_EQ(program[target - 1].code, kExit) << "insn " << pc << " jumps into a block";
  }
}

TEST(DeviceRules, DefaultsAreDockersAsV1Lines) {
  std::vector<std::string> lines;
  for (const auto& r : default_device_rules()) lines.push_back(v1_device_rule(r));
  EXPECT_EQ(lines,
            (std::vector<std::string>{"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",
                                      "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm",
                                      "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm"}));
  EXPECT_EQ(v1_device_rule(all_devices_rule()), "a *:* rwm");
}

TEST(DeviceRules, AccessText) {
  EXPECT_EQ(parse_device_access("rwm"), kDeviceAllAccess);
  EXPECT_EQ(parse_device_access("mr"), kDeviceRead | kDeviceMknod);
  EXPECT_EQ(parse_device_access("w"), kDeviceWrite);
  EXPECT_EQ(parse_device_access(""), std::nullopt);
  EXPECT_EQ(parse_device_access("rr"), std::nullopt);
  EXPECT_EQ(parse_device_access("rwx"), std::nullopt);
  EXPECT_EQ(device_access_text(kDeviceMknod | kDeviceRead), "rm");
}

}  // namespace
}  // namespace lit::cgroups
