#include "network/nft.hpp"

#include <dlfcn.h>
#include <nftables/libnftables.h>

#include <string>
#include <type_traits>

#include "network/nft_rules.hpp"
#include "runtime/util/error.hpp"

namespace lit::network::nft {
namespace {

// nft's error text is several lines (message, echoed command, caret); the
// first line is the one a user needs.
std::string first_line(const char* s) {
  std::string m = s ? s : "";
  if (auto nl = m.find('\n'); nl != std::string::npos) m.resize(nl);
  if (m.starts_with("Error: ")) m.erase(0, 7);
  return m.empty() ? "unknown libnftables error" : m;
}

// libnftables brings five more libraries (libnftnl, libmnl, libxtables,
// libjansson, libgmp): loading them cost ~0.8 ms at every lit start, while
// most commands never touch the firewall. So it is opened on first use.
struct Api {
  decltype(&::nft_ctx_new) ctx_new;
  decltype(&::nft_ctx_free) ctx_free;
  decltype(&::nft_ctx_output_set_flags) output_set_flags;
  decltype(&::nft_ctx_buffer_output) buffer_output;
  decltype(&::nft_ctx_buffer_error) buffer_error;
  decltype(&::nft_run_cmd_from_buffer) run_cmd_from_buffer;
  decltype(&::nft_ctx_get_output_buffer) get_output_buffer;
  decltype(&::nft_ctx_get_error_buffer) get_error_buffer;
};

Api load_api() {
  void* lib = ::dlopen(LIT_NFTABLES_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    throw Error("load " LIT_NFTABLES_SONAME ":", ::dlerror(), 0,
                "install libnftables1 (scripts/setup.sh does)");
  auto sym = [lib](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(lib, name));
    if (!fn) throw Error("load " LIT_NFTABLES_SONAME ":", std::string("no ") + name, 0);
  };
  Api a{};
  sym(a.ctx_new, "nft_ctx_new");
  sym(a.ctx_free, "nft_ctx_free");
  sym(a.output_set_flags, "nft_ctx_output_set_flags");
  sym(a.buffer_output, "nft_ctx_buffer_output");
  sym(a.buffer_error, "nft_ctx_buffer_error");
  sym(a.run_cmd_from_buffer, "nft_run_cmd_from_buffer");
  sym(a.get_output_buffer, "nft_ctx_get_output_buffer");
  sym(a.get_error_buffer, "nft_ctx_get_error_buffer");
  return a;  // the library stays loaded for the process's life
}

const Api& api() {
  static const Api a = load_api();  // a failed load throws, and is tried again next time
  return a;
}

}  // namespace

Context::Context() : ctx_(api().ctx_new(NFT_CTX_DEFAULT)) {
  if (!ctx_) throw Error("create libnftables context", "", 0);
  api().output_set_flags(ctx_, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
  if (api().buffer_output(ctx_) != 0 || api().buffer_error(ctx_) != 0) {
    api().ctx_free(ctx_);
    throw Error("buffer libnftables output", "", 0);
  }
}

Context::~Context() { api().ctx_free(ctx_); }

nlohmann::json Context::run(const nlohmann::json& batch_json, std::string_view what) {
  std::string text = batch_json.dump();
  int rc = api().run_cmd_from_buffer(ctx_, text.c_str());
  // Reading a buffer rewinds it, so both are read every time.
  std::string out = api().get_output_buffer(ctx_);
  std::string err = api().get_error_buffer(ctx_);
  if (rc != 0)
    throw Error("nftables: " + std::string(what) + ":", first_line(err.c_str()), 0,
                "lit needs CAP_NET_ADMIN and nf_tables in the kernel");
  if (out.empty()) return nullptr;
  auto parsed = nlohmann::json::parse(out, nullptr, false);
  if (parsed.is_discarded())
    throw Error("nftables: " + std::string(what) + ":", "unreadable JSON output");
  return parsed;
}

std::optional<nlohmann::json> Context::list_lit_table() {
  // Listing an absent table is an error; look for it among the tables first.
  auto tables = run(batch({{{"list", {{"tables", nullptr}}}}}), "list tables");
  bool found = false;
  if (tables.is_object() && tables.contains("nftables"))
    for (const auto& item : tables["nftables"])
      if (item.contains("table") && item["table"].value("family", "") == kFamily &&
          item["table"].value("name", "") == kTable)
        found = true;
  if (!found) return std::nullopt;
  return run(batch(list_table()), "list table inet lit");
}

}  // namespace lit::network::nft
