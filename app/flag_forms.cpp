#include "app/flag_forms.hpp"

namespace lit::app {

void accept_short_option_equals(CLI::App& app) {
  for (CLI::Option* o : app.get_options()) {
    if (o->get_snames().empty() || o->get_type_size_max() == 0) continue;  // flags
    o->transform([](std::string v) { return v.starts_with('=') ? v.substr(1) : v; });
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    accept_short_option_equals(*sub);
}

}  // namespace lit::app
