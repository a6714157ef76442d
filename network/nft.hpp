#pragma once
// A libnftables context speaking JSON both ways (libnftables-json(5)).
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

struct nft_ctx;

namespace lit::network::nft {

class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Runs one batch ({"nftables": [...]}) atomically; returns its JSON output
  // (null when there is none). Throws lit::Error naming `what` and nft's message.
  nlohmann::json run(const nlohmann::json& batch, std::string_view what);

  // `list table inet lit` with rule handles, or nullopt when the table is absent.
  std::optional<nlohmann::json> list_lit_table();

 private:
  nft_ctx* ctx_;
};

}  // namespace lit::network::nft
