#include "runtime/cgroups/device_filter.hpp"

#include <cstdint>

namespace lit::cgroups {
namespace {

// Registers: r1 the context on entry; the prologue leaves the device type in
// r2, the requested access in r3, major in r4, minor in r5.
enum Reg : std::uint8_t { R0 = 0, R1, R2, R3, R4, R5 };

bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off,
              std::int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

bpf_insn load_u32(Reg dst, std::int16_t offset) {
  return insn(BPF_LDX | BPF_MEM | BPF_W, dst, R1, offset, 0);
}
bpf_insn alu32_imm(std::uint8_t op, Reg dst, std::int32_t imm) {
  return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn jne_imm(Reg dst, std::int32_t imm, std::int16_t off) {
  return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm);
}

void prologue(std::vector<bpf_insn>& p) {
  // struct bpf_cgroup_dev_ctx: access_type (access << 16 | type), major, minor.
  p.push_back(load_u32(R2, 0));
  p.push_back(alu32_imm(BPF_AND, R2, 0xffff));
  p.push_back(load_u32(R3, 0));
  p.push_back(alu32_imm(BPF_RSH, R3, 16));
  p.push_back(load_u32(R4, 4));
  p.push_back(load_u32(R5, 8));
}

// The rule's tests, each a jump to the next rule when it fails; offsets are
// filled in once the block's length is known.
std::vector<bpf_insn> rule_tests(const DeviceRule& r) {
  std::vector<bpf_insn> t;
  if (r.type != DeviceType::All)
    t.push_back(
        jne_imm(R2, r.type == DeviceType::Block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0));
  if ((r.access & kDeviceAllAccess) != kDeviceAllAccess) {
    // Allowed when the requested bits are a subset of the rule's: (r3 & access) == r3.
    t.push_back(insn(BPF_ALU | BPF_MOV | BPF_X, R1, R3, 0, 0));
    t.push_back(alu32_imm(BPF_AND, R1, static_cast<std::int32_t>(r.access)));
    t.push_back(insn(BPF_JMP | BPF_JNE | BPF_X, R1, R3, 0, 0));
  }
  if (r.major) t.push_back(jne_imm(R4, static_cast<std::int32_t>(*r.major), 0));
  if (r.minor) t.push_back(jne_imm(R5, static_cast<std::int32_t>(*r.minor), 0));
  return t;
}

void return_value(std::vector<bpf_insn>& p, std::int32_t value) {
  p.push_back(alu32_imm(BPF_MOV, R0, value));
  p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

}  // namespace

std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> p;
  prologue(p);
  for (const auto& r : rules) {
    std::vector<bpf_insn> tests = rule_tests(r);
    // Every test jumps past the rest of the block: the tests after it and the
    // two instructions that return 1.
    const auto n = static_cast<std::int16_t>(tests.size());
    for (std::int16_t i = 0; i < n; ++i) {
      if (BPF_CLASS(tests[i].code) == BPF_JMP) tests[i].off = static_cast<std::int16_t>(n - i + 1);
    }
    p.insert(p.end(), tests.begin(), tests.end());
    return_value(p, 1);
    if (tests.empty()) return p;  // allows everything: nothing after it could run
  }
  return_value(p, 0);
  return p;
}

}  // namespace lit::cgroups
