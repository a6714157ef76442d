// compose's `events` and docker's `system events`, end to end: what lit
// commands and the containers' supervisors record in the event journal, read
// back as a docker compose user reads it (--json objects, the plain line,
// --since / --until, following until Ctrl-C), and docker's format and filters.
#include <signal.h>
#include <time.h>

#include <future>
#include <mutex>
#include <nlohmann/json.hpp>

#include "runtime/shim/log_time.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// init: true so the stop signal ends `sleep` at once (lit-init forwards it).
constexpr const char* kCompose = R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    init: true
    labels: {tier: front}
    depends_on: [db]
)";

// A time for --since / --until: Unix seconds with nanoseconds.
std::string unix_time(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1'000'000'000),
                static_cast<long long>(ns % 1'000'000'000));
  return buf;
}

std::string now() { return unix_time(shim::now_ns()); }

class ProjectEventsTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
  }

  // `events --json --since SINCE --until now [SERVICE...]`, one object a line.
  std::vector<nlohmann::json> events_json(const std::string& since,
                                          std::vector<std::string> services = {}) {
    std::vector<std::string> args{"events", "--json", "--since", since, "--until", now()};
    args.insert(args.end(), services.begin(), services.end());
    Result r = project(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    std::vector<nlohmann::json> out;
    for (const auto& line : r.out_lines()) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  // "service action" of each event, in order.
  static std::vector<std::string> actions(const std::vector<nlohmann::json>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
      out.push_back(e.at("service").get<std::string>() + " " + e.at("action").get<std::string>());
    return out;
  }

  static std::vector<std::string> actions_of(const std::vector<nlohmann::json>& events,
                                             const std::string& service) {
    std::vector<std::string> out;
    for (const auto& e : events)
      if (e.at("service") == service) out.push_back(e.at("action"));
    return out;
  }
};

TEST_F(ProjectEventsTest, UpRecordsCreateAndStartOfEachService) {
  const std::string since = now();
  ASSERT_EQ(project({"up", "-d", "--wait"}).exit_code, 0);
  auto events = events_json(since);
  auto id = ids();
  auto seq = actions(events);
  EXPECT_EQ(actions_of(events, "db"),
            (std::vector<std::string>{"create", "start", "health_status: healthy"}))
      << ::testing::PrintToString(seq);
  EXPECT_EQ(actions_of(events, "web"), (std::vector<std::string>{"create", "start"}))
      << ::testing::PrintToString(seq);
  for (const auto& e : events) {
    const std::string service = e.at("service");
    EXPECT_EQ(e.at("type"), "container");
    const std::string full = e.at("id");  // the full id, ps shows its start
    EXPECT_EQ(full.size(), 64u);
    EXPECT_TRUE(full.starts_with(id[service])) << e;
    id[service] = full;
    EXPECT_EQ(e.at("attributes").at("name"), "shop-" + service + "-1");
    EXPECT_EQ(e.at("attributes").at("image"), "localhost/lit-test:latest");
    for (const auto& [key, _] : e.at("attributes").items())
      EXPECT_FALSE(key.starts_with("lit.")) << "the project's own labels are left out: " << e;
  }
  // db started (and is healthy) before web was created: depends_on.
  auto at = [&](const std::string& what) {
    return std::find(seq.begin(), seq.end(), what) - seq.begin();
  };
  EXPECT_LT(at("db start"), at("web create")) << ::testing::PrintToString(seq);

  // The plain line, as compose prints it (local time: UTC here).
  Result r = project({"events", "--since", since, "--until", now(), "web"}, {"TZ=UTC"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.out_lines();
  ASSERT_EQ(lines.size(), 2u) << r;
  const std::string time =
      [&] {  // "2026-12-05T18:00:00.123456789Z" -> "2026-12-05 18:00:00.123456"
        std::string t = events_json(since, {"web"}).at(0).at("time");
        std::string date = t.substr(0, 10), clock = t.substr(11, 8);
        std::string frac = t.size() > 20 ? t.substr(20, t.size() - 21) : "";
        frac.resize(9, '0');
        return date + " " + clock + "." + frac.substr(0, 6);
      }();
  EXPECT_EQ(lines[0], time + " container create " + id["web"] +
                          " (image=localhost/lit-test:latest, name=shop-web-1, tier=front)");
  EXPECT_TRUE(lines[1].ends_with(" container start " + id["web"] +
                                 " (image=localhost/lit-test:latest, name=shop-web-1, tier=front)"))
      << r;
}

TEST_F(ProjectEventsTest, StopRecordsKillDieStopAndDownDestroy) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  const std::string since = now();
  ASSERT_EQ(project({"stop", "web"}).exit_code, 0);
  auto events = events_json(since);
  ASSERT_EQ(actions(events), (std::vector<std::string>{"web kill", "web die", "web stop"}))
      << ::testing::PrintToString(events);
  EXPECT_EQ(events[0].at("attributes").at("signal"), "15");
  EXPECT_EQ(events[1].at("attributes").at("exitCode"), "143");  // sleep died of SIGTERM

  const std::string before_down = now();
  ASSERT_EQ(project({"down"}).exit_code, 0);
  events = events_json(before_down);
  EXPECT_EQ(actions_of(events, "web"), (std::vector<std::string>{"destroy"}));
  EXPECT_EQ(actions_of(events, "db"), (std::vector<std::string>{"kill", "die", "stop", "destroy"}));
  // The project is found by name from the journal's labels once its containers are gone.
  Result r = lit({"-p", "shop", "events", "--json", "--since", before_down, "--until", now()});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"\"action\":\"destroy\"", "\"service\":\"web\""})) << r;
}

TEST_F(ProjectEventsTest, AContainerThatExitsByItselfRecordsDieWithItsExitCode) {
  write(R"(name: shop
services:
  job:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "exit 3"]
)");
  const std::string since = now();
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  std::vector<nlohmann::json> events;
  EXPECT_TRUE(eventually([&] {
    events = events_json(since);
    return actions(events).size() >= 3;
  })) << ::testing::PrintToString(events);
  ASSERT_EQ(actions(events), (std::vector<std::string>{"job create", "job start", "job die"}));
  EXPECT_EQ(events[2].at("attributes").at("exitCode"), "3");
}

TEST_F(ProjectEventsTest, FollowShowsARestartAsItHappensAndCtrlCEndsItWithStatus0) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  std::mutex m;
  std::string out;
  pid_t pid = 0;
  RunOptions opts;
  opts.timeout = 60s;
  opts.on_stdout = [&](pid_t p, const std::string& so_far) {
    std::lock_guard lock(m);
    pid = p;
    out = so_far;
  };
  auto seen = [&](const std::string& text) {
    std::lock_guard lock(m);
    return out.find(text) != std::string::npos;
  };
  // Following from now on, it prints nothing until something happens: web is
  // paused and unpaused until the follower shows it is there.
  auto follower = std::async(std::launch::async, [&] {
    return project_with({"events", "--json", "web"}, opts);
  });
  ASSERT_TRUE(eventually(
      [&] {
        project({"pause", "web"});
        project({"unpause", "web"});
        return seen("\"action\":\"unpause\"");
      },
      20s));
  ASSERT_EQ(project({"restart", "web"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return seen("\"action\":\"restart\""); }, 20s)) << out;
  {
    std::lock_guard lock(m);
    kill(pid, SIGINT);
  }
  Result r = follower.get();
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> got;
  for (const auto& line : r.out_lines()) got.push_back(nlohmann::json::parse(line).at("action"));
  ASSERT_GE(got.size(), 5u) << r;
  EXPECT_EQ(std::vector<std::string>(got.end() - 5, got.end()),
            (std::vector<std::string>{"kill", "die", "stop", "start", "restart"}))
      << r;
  EXPECT_EQ(r.out.find("\"service\":\"db\""), std::string::npos) << r;
}

TEST_F(ProjectEventsTest, SystemEventsPrintsDockersLineJsonAndFilters) {
  const std::string since = now();
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  const std::string until = now();
  auto id = ids();
  Result r = lit({"system", "events", "--since", since, "--until", until, "--filter",
                  "container=shop-web-1", "--filter", "event=start", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  auto lines = r.out_lines();
  ASSERT_EQ(lines.size(), 1u) << r;
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j.at("Type"), "container");
  EXPECT_EQ(j.at("Action"), "start");
  const std::string full_id = j.at("Actor").at("ID");
  EXPECT_TRUE(full_id.starts_with(id["web"])) << j;
  EXPECT_EQ(j.at("id"), full_id);
  EXPECT_EQ(j.at("Actor").at("Attributes").at("lit.project"), "shop");
  EXPECT_EQ(j.at("scope"), "local");

  // docker's line: RFC 3339 with nine digits, every attribute sorted.
  const int64_t ns = j.at("timeNano");
  time_t secs = ns / 1'000'000'000;
  tm utc{};
  gmtime_r(&secs, &utc);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(ns % 1'000'000'000));
  RunOptions in_utc;
  in_utc.extra_env = {"TZ=UTC"};
  r = lit({"system", "events", "--since", since, "--until", until, "--filter",
           "container=shop-web-1", "--filter", "event=start"},
          in_utc);
  ASSERT_EQ(r.exit_code, 0) << r;
  std::string labels;
  for (const auto& [k, v] : j.at("Actor").at("Attributes").items())
    labels += (labels.empty() ? "" : ", ") + k + "=" + v.get<std::string>();
  EXPECT_EQ(r.out, std::string(stamp) + " container start " + full_id + " (" + labels + ")\n");
  EXPECT_NE(labels.find("lit.service=web, name=shop-web-1, tier=front"), std::string::npos);

  r = lit({"system", "events", "--since", since, "--until", until, "--filter", "type=container",
           "--filter", "label=lit.service=db", "--format",
           "{{.Action}} {{.Actor.Attributes.name}}"});
  EXPECT_EQ(r.out, "create shop-db-1\nstart shop-db-1\n") << r;
}

TEST_F(ProjectEventsTest, BadFlagsAreOneLineErrors) {
  Result r = project({"events", "--since", "yesterday"});
  expect_lit_error(r, "--since");
  r = lit({"system", "events", "--filter", "volume=data"});
  expect_lit_error(r, "--filter");
}

}  // namespace
}  // namespace lit::test
