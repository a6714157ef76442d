// `lit optimize image SERVICE` and `optimize.shrink_image` at `lit up`: the
// service traced on its image (busybox plus 4 MB of unused data and an
// unused binary, built here from the test image), a slim image of what it
// used, verified by running the service on it, then used by `up`; a failed
// verification keeps the original and names the missing file.
#include <nlohmann/json.hpp>

#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

constexpr const char* kContainerfile = R"(FROM localhost/lit-test:latest
RUN mkdir -p /unused /data /www && head -c 4194304 /dev/urandom > /unused/blob.bin && cp /bin/busybox /unused/tool && echo used > /data/used.txt && echo rare > /data/rare.txt && echo hello > /www/index.html
)";

// The service reads /data/used.txt, serves /www; its health check fetches a page.
std::string compose(const std::string& optimize) {
  return R"(name: slim
services:
  web:
    build: .
    network_mode: none
    command: ["sh", "-c", "cat /data/used.txt; exec httpd -f -p 8080 -h /www"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 200ms
      retries: 50
    optimize:
      shrink_image: true
)" + optimize;
}

class OptimizeImageTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::ofstream(dir_ / "Containerfile") << kContainerfile;
  }

  nlohmann::json inspect(const std::string& ref) {
    Result r = lit({"image", "inspect", ref});
    EXPECT_EQ(r.exit_code, 0) << r;
    auto j = nlohmann::json::parse(r.out);
    return j.is_array() ? j.at(0) : j;
  }

  // Runs `args` in a throwaway container of `image`.
  Result in_image(const std::string& image, const std::vector<std::string>& args) {
    std::vector<std::string> full{"container", "run", "--rm", image};
    full.insert(full.end(), args.begin(), args.end());
    return lit(full);
  }

  nlohmann::json web_row() {
    for (const auto& line : project({"ps", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      if (j.at("Service") == "web") return j;
    }
    return {};
  }
};

TEST_F(OptimizeImageTest, ShrinksToWhatTheServiceUsesAndUpRunsOnIt) {
  write(compose("      keep: [/data/rare.txt]\n"));
  ASSERT_EQ(project({"build"}).exit_code, 0);
  Result r = project({"optimize", "image", "web", "--timeout", "60"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"Slim image", "slim-web:lit-slim"})) << r;
  EXPECT_TRUE(contains_line_with(r.out, {"Verified"})) << r;

  auto original = inspect("slim-web");
  auto slim = inspect("slim-web:lit-slim");
  EXPECT_LT(slim.at("Size").get<std::int64_t>() * 2, original.at("Size").get<std::int64_t>())
      << slim << original;
  // What the service never touched is gone; what it used, and keep:, stay.
  EXPECT_EQ(in_image("slim-web:lit-slim", {"test", "-e", "/unused/blob.bin"}).exit_code, 1);
  EXPECT_EQ(in_image("slim-web:lit-slim", {"test", "-e", "/unused/tool"}).exit_code, 1);
  EXPECT_EQ(in_image("slim-web:lit-slim", {"cat", "/data/used.txt"}).out, "used\n");
  EXPECT_EQ(in_image("slim-web:lit-slim", {"cat", "/data/rare.txt"}).out, "rare\n");  // keep:

  // The report shows both sizes.
  Result rep = project({"optimize", "report", "--format", "json"});
  ASSERT_EQ(rep.exit_code, 0) << rep;
  auto sizes = nlohmann::json::parse(rep.out).at(0).at("image");
  EXPECT_EQ(sizes.at("size"), original.at("Size")) << rep;
  EXPECT_EQ(sizes.at("slim_size"), slim.at("Size")) << rep;

  Result up = project({"up", "-d", "--wait", "--wait-timeout", "60"});
  ASSERT_EQ(up.exit_code, 0) << up;
  auto row = web_row();
  EXPECT_EQ(row.value("Image", ""), slim.at("Id").get<std::string>()) << row;
  EXPECT_EQ(row.value("Health", ""), "healthy") << row;
}

TEST_F(OptimizeImageTest, FailedVerificationKeepsTheOriginalAndNamesTheMissingFile) {
  // On the full image the check passes on /unused/blob.bin alone (a stat,
  // which fanotify does not see); on the slim one it reads /data/rare.txt,
  // which the trace never saw and keep: does not list.
  write(compose(
      "      verify: [\"sh\", \"-c\", \"test -e /unused/blob.bin || cat /data/rare.txt\"]\n"));
  ASSERT_EQ(project({"build"}).exit_code, 0);
  const auto images_before = lit({"image", "ls", "-q"}).out_lines().size();
  Result r = project({"optimize", "image", "web", "--timeout", "20"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(contains_line_with(r.err, {"lit: optimize image web", "missing: /data/rare.txt"}))
      << r;
  EXPECT_TRUE(contains_line_with(r.err, {"keeps its original image"})) << r;
  EXPECT_NE(lit({"image", "inspect", "slim-web:lit-slim"}).exit_code, 0);   // never tagged
  EXPECT_EQ(lit({"image", "ls", "-q"}).out_lines().size(), images_before);  // nothing half-made

  Result up = project({"up", "-d", "--wait", "--wait-timeout", "60"});
  ASSERT_EQ(up.exit_code, 0) << up;
  EXPECT_TRUE(contains_line_with(up.err, {"web", "lit optimize image web"})) << up;
  EXPECT_EQ(web_row().value("Image", ""), "slim-web") << web_row();
}

TEST_F(OptimizeImageTest, AServiceWithNoCheckIsRefusedAndLeavesNothing) {
  write(R"(name: slim
services:
  web:
    image: localhost/lit-test:latest
    network_mode: none
    command: ["sleep", "600"]
)");
  const auto images_before = lit({"image", "ls", "-q"}).out_lines().size();
  Result r = project({"optimize", "image", "web"});
  expect_lit_error(r, "optimize image web: it has no health check and no optimize.verify");
  EXPECT_EQ(lit({"image", "ls", "-q"}).out_lines().size(), images_before);
  EXPECT_TRUE(container_ids().empty());
}

}  // namespace
}  // namespace lit::test
