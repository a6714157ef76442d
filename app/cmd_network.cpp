// lit network create, ls, inspect, rm, connect, disconnect. Parsing and
// rendering only: network/manager.hpp makes records, links, rules and DNS agree.

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "app/list_output.hpp"
#include "app/views/container_rows.hpp"
#include "app/views/list_filter.hpp"
#include "network/links.hpp"
#include "network/manager.hpp"
#include "network/store.hpp"
#include "runtime/lifecycle/networking.hpp"
#include "runtime/state/record.hpp"
#include "runtime/state/record_store.hpp"

namespace lit::app {
namespace {

network::NetworkStore store(const Context& ctx) {
  return network::NetworkStore(network::networks_dir(ctx.paths.root));
}

nlohmann::json inspect_json(const network::NetworkRecord& r) {
  auto j = network::to_json(r);
  j["driver"] = "bridge";
  j["bridge"] = network::bridge_name(r.id);
  return j;
}

void register_create(CLI::App& parent, Context& ctx) {
  auto req = std::make_shared<network::NetworkCreate>();
  auto labels = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("create", "Create a bridge network");
  cmd->add_option("--subnet", req->subnet,
                  "Subnet in CIDR form (default: a free /24 of 10.90.0.0/16)");
  cmd->add_option("--gateway", req->gateway,
                  "Gateway address (default: the subnet's first address)");
  cmd->add_flag("--internal", req->internal, "No traffic to or from outside the network");
  cmd->add_option("-l,--label", *labels, "Set a label K=V")->allow_extra_args(false);
  auto opts = std::make_shared<std::vector<std::string>>();
  cmd->add_option("-o,--opt", *opts, "Driver option K=V: mtu=N (default 65535)")
      ->allow_extra_args(false);
  cmd->add_option("NAME", req->name, "Network name")->required();
  cmd->callback([&ctx, req, labels, opts] {
    std::map<std::string, std::string> options;
    for (const auto& o : *opts) {
      auto eq = o.find('=');
      if (eq == std::string::npos)
        throw Error("invalid value \"" + o + "\" for flag --opt: use KEY=VALUE, e.g. mtu=1500");
      options[o.substr(0, eq)] = o.substr(eq + 1);
    }
    network::apply_driver_options(*req, options);
    for (const auto& l : *labels) {
      auto eq = l.find('=');
      req->labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
    }
    network::NetworkRecord r = network::Manager().create_network(ctx.paths, *req);
    std::printf("%s\n", r.id.c_str());
  });
}

// docker network ls's fields, and lit's Subnet and Gateway.
FormatSpec network_ls_spec() {
  FormatSpec s;
  s.headers = {{"ID", "NETWORK ID"},     {"Name", "NAME"},      {"Driver", "DRIVER"},
               {"Scope", "SCOPE"},       {"IPv4", "IPV4"},      {"IPv6", "IPV6"},
               {"Internal", "INTERNAL"}, {"Labels", "LABELS"},  {"CreatedAt", "CREATED AT"},
               {"Subnet", "SUBNET"},     {"Gateway", "GATEWAY"}};
  s.default_table = "table {{.ID}}\\t{{.Name}}\\t{{.Driver}}\\t{{.Scope}}";
  s.labels = true;
  return s;
}

FormatRow network_ls_row(const network::NetworkRecord& r, bool no_trunc) {
  std::string labels;
  for (const auto& [k, v] : r.labels) labels += (labels.empty() ? "" : ",") + k + "=" + v;
  FormatRow row;
  row.fields = {{"CreatedAt", go_time(r.created)},
                {"Driver", "bridge"},
                {"Gateway", r.gateway.to_string()},
                {"ID", no_trunc ? r.id : r.id.substr(0, 12)},
                {"IPv4", "true"},
                {"IPv6", "false"},
                {"Internal", r.internal ? "true" : "false"},
                {"Labels", labels},
                {"Name", r.name},
                {"Scope", "local"},
                {"Subnet", r.subnet.to_string()}};
  row.labels = r.labels;
  return row;
}

void register_ls(CLI::App& parent, Context& ctx) {
  struct Opts {
    bool quiet = false, no_trunc = false;
    std::string format;
    std::vector<std::string> filters;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand("ls", "List networks");
  cmd->alias("list");
  cmd->add_flag("-q,--quiet", o->quiet, "Only print network ids");
  cmd->add_flag("--no-trunc", o->no_trunc, "Show full network ids");
  cmd->add_option("--format", o->format,
                  "table, table TEMPLATE, json or TEMPLATE (Go template: {{.Name}}); default: "
                  "networksFormat of the docker config file, else table");
  cmd->add_option("-f,--filter", o->filters, "KEY=VALUE: name=, id=, label=K[=V], driver=")
      ->allow_extra_args(false);
  cmd->callback([&ctx, o] {
    ListFilter filter = parse_filters(o->filters, {"name", "id", "label", "driver"});
    FormatChoice format = choose_format(o->format, "networksFormat");
    if (!o->quiet) parse_format(format, network_ls_spec());  // a bad template fails first
    std::vector<FormatRow> rows;
    for (const auto& r : store(ctx).list(network::Endpoints::Skip)) {
      FilterSubject subject;
      subject.id = r.id;
      subject.name = r.name;
      subject.labels = r.labels;
      subject.driver = "bridge";
      if (!filter_matches(filter, subject)) continue;
      if (o->quiet)
        std::printf("%s\n", o->no_trunc ? r.id.c_str() : r.id.substr(0, 12).c_str());
      else
        rows.push_back(network_ls_row(r, o->no_trunc));
    }
    if (!o->quiet) print_rows(format, network_ls_spec(), rows);
  });
}

void register_inspect(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("inspect", "Show networks as JSON");
  cmd->add_option("NETWORK", *names, "Network names or id prefixes")->required();
  cmd->callback([&ctx, names] {
    auto networks = store(ctx);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& name : *names) {
      try {
        out.push_back(inspect_json(networks.lookup(name)));
      } catch (const Error& e) {
        report(ctx, e);
      }
    }
    std::printf("%s\n", out.dump(4).c_str());
  });
}

void register_rm(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("rm", "Remove networks (refused while containers use them)");
  cmd->alias("remove");
  cmd->add_option("NETWORK", *names, "Network names or id prefixes")->required();
  cmd->callback([&ctx, names] {
    for (const auto& name : *names) {
      try {
        network::Manager().remove_network(ctx.paths, name);
        std::printf("%s\n", name.c_str());
      } catch (const Error& e) {
        report(ctx, e);
      }
    }
  });
}

void register_connect(CLI::App& parent, Context& ctx) {
  struct Opts {
    std::string network, container, ip;
    std::vector<std::string> aliases;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd =
      parent.add_subcommand("connect", "Connect a container to a network (at once if it runs)");
  cmd->add_option("--ip", o->ip, "IPv4 address on the network (default: the next free one)");
  cmd->add_option("--alias", o->aliases, "Another name of the container on the network")
      ->allow_extra_args(false);
  cmd->add_option("NETWORK", o->network, "Network name or id prefix")->required();
  cmd->add_option("CONTAINER", o->container, "Container name or id prefix")->required();
  cmd->callback([&ctx, o] {
    auto rec = runtime::RecordStore(ctx.paths).lookup(o->container);
    runtime::connect_container(ctx.paths, rec, {o->network, o->ip, o->aliases, "", ""});
  });
}

void register_disconnect(CLI::App& parent, Context& ctx) {
  struct Opts {
    std::string network, container;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = parent.add_subcommand("disconnect", "Disconnect a container from a network");
  cmd->add_option("NETWORK", o->network, "Network name or id prefix")->required();
  cmd->add_option("CONTAINER", o->container, "Container name or id prefix")->required();
  cmd->callback([&ctx, o] {
    auto rec = runtime::RecordStore(ctx.paths).lookup(o->container);
    runtime::disconnect_container(ctx.paths, rec, o->network);
  });
}

}  // namespace

void register_network_commands(CLI::App& app, Context& ctx) {
  auto* network = app.add_subcommand("network", "Manage networks");
  network->require_subcommand(1);
  register_create(*network, ctx);
  register_ls(*network, ctx);
  register_inspect(*network, ctx);
  register_rm(*network, ctx);
  register_connect(*network, ctx);
  register_disconnect(*network, ctx);
}

}  // namespace lit::app
