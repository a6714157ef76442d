#include "network/nft.hpp"

#include <nftables/libnftables.h>

#include <string>

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

}  // namespace

Context::Context() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
  if (!ctx_) throw Error("create libnftables context", "", 0);
  nft_ctx_output_set_flags(ctx_, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
  if (nft_ctx_buffer_output(ctx_) != 0 || nft_ctx_buffer_error(ctx_) != 0) {
    nft_ctx_free(ctx_);
    throw Error("buffer libnftables output", "", 0);
  }
}

Context::~Context() { nft_ctx_free(ctx_); }

nlohmann::json Context::run(const nlohmann::json& batch_json, std::string_view what) {
  std::string text = batch_json.dump();
  int rc = nft_run_cmd_from_buffer(ctx_, text.c_str());
  // Reading a buffer rewinds it, so both are read every time.
  std::string out = nft_ctx_get_output_buffer(ctx_);
  std::string err = nft_ctx_get_error_buffer(ctx_);
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
