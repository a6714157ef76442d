#pragma once
// Compose's variable interpolation: ${VAR}, $VAR, ${VAR:-default}, ${VAR-default},
// ${VAR:?message}, ${VAR?message}, ${VAR:+alt}, ${VAR+alt}, $$ -> $. Defaults
// may nest (${A:-${B}}). An unset variable without default is "" and a warning.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "reconciler/load/diag.hpp"
#include "reconciler/load/tree.hpp"

namespace lit::reconciler::load {

using Lookup = std::function<std::optional<std::string>(const std::string&)>;

// Throws lit::Error with just the problem ("required variable DB_PASSWORD is
// missing a value: set it in .env"); on_unset is called for each unset variable.
std::string interpolate(std::string_view s, const Lookup& lookup,
                        const std::function<void(const std::string&)>& on_unset = {});

// Interpolates every scalar value (not keys) under n; errors and warnings are
// located at the scalar ("lit.yml:4:12: services.web.image: ...").
void interpolate_tree(Node& n, const Lookup& lookup, const std::string& path, Diag& diag);

}  // namespace lit::reconciler::load
