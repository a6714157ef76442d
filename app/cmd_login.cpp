// lit login, lit logout: credentials in docker's config format.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "app/pull.hpp"
#include "runtime/image/registry/client.hpp"
#include "runtime/image/registry/credentials.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {
namespace {

// A line from stdin; on a terminal with a prompt, without echo when `secret`.
std::string read_line(const char* prompt, bool secret) {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  if (tty) std::fprintf(stderr, "%s", prompt);
  termios old{};
  const bool hide = tty && secret && ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (hide) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (hide) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fprintf(stderr, "\n");
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

struct LoginOpts {
  std::string registry = "docker.io", username, password;
  bool password_stdin = false;
};

void login(Context& ctx, LoginOpts& o) {
  const std::string key = image::registry_key(o.registry);
  if (o.password_stdin && !o.password.empty())
    throw Error("login: --password and --password-stdin are mutually exclusive");
  if (o.username.empty()) {
    if (o.password_stdin || !::isatty(STDIN_FILENO))
      throw Error("login " + key + ": no username", "", 0, "give one with -u USER");
    o.username = read_line("Username: ", false);
  }
  if (o.password_stdin || o.password.empty()) {
    if (!o.password_stdin && !::isatty(STDIN_FILENO))
      throw Error("login " + key + ": no password", "", 0,
                  "use --password-stdin to read it from stdin");
    o.password = read_line("Password: ", true);
  }
  if (o.username.empty() || o.password.empty())
    throw Error("login " + key + ": username and password must not be empty");
  image::Credential cred{o.username, o.password};
  image::PullOptions po = pull_options(ctx, "");
  const bool insecure = std::ranges::any_of(
      po.insecure_registries, [&](const std::string& r) { return image::registry_key(r) == key; });
  try {
    image::RegistryClient(key, "", cred, insecure).ping();
  } catch (Error& e) {
    throw e.context("login " + key);
  }
  image::save_credential(po.auth.write, key, cred);
  std::printf("Login Succeeded!\n");
}

}  // namespace

void register_registry_commands(CLI::App& app, Context& ctx) {
  register_push_commands(app, ctx);
  auto o = std::make_shared<LoginOpts>();
  auto* in = app.add_subcommand("login", "Log in to a registry (credentials kept in auth.json)");
  in->add_option("-u,--username", o->username, "User name");
  in->add_option("-p,--password", o->password, "Password (prefer --password-stdin)");
  in->add_flag("--password-stdin", o->password_stdin, "Read the password from stdin");
  add_insecure_registry_option(*in);
  in->add_option("registry", o->registry, "Registry host[:port] (default: docker.io)");
  in->callback([&ctx, o] { login(ctx, *o); });

  auto registry = std::make_shared<std::string>("docker.io");
  auto* out = app.add_subcommand("logout", "Remove a registry's credentials from lit's auth file");
  out->add_option("registry", *registry, "Registry host[:port] (default: docker.io)");
  out->callback([&ctx, registry] {
    const std::string key = image::registry_key(*registry);
    const image::AuthFiles files = image::auth_files(ctx.paths.root);
    if (!image::save_credential(files.write, key, std::nullopt)) {
      throw Error("logout " + key + ": not logged in (no entry in " + files.write.string() + ")");
    }
    std::printf("Removing login credentials for %s\n", key.c_str());
  });
}

}  // namespace lit::app
