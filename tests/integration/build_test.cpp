// `lit build CONTEXT` as a user runs it: images built from a Containerfile on
// the busybox fixture, run afterwards; the step cache; errors with file:line.
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/util/fs.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

class BuildTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped()) return;
    load_test_image();
    ctx_ = base_ / "ctx";
    fs::create_directories(ctx_);
  }

  void put(const std::string& rel, const std::string& content) {
    fs::create_directories((ctx_ / rel).parent_path());
    std::ofstream(ctx_ / rel, std::ios::binary) << content;
  }

  Result build(std::vector<std::string> args) {
    args.insert(args.begin(), "build");
    args.push_back(ctx_.string());
    RunOptions opts;
    opts.timeout = 90s;
    return lit(args, opts);
  }

  // The image id: the last line of a build's output.
  static std::string id_of(const Result& r) {
    auto lines = r.out_lines();
    return lines.empty() ? std::string() : lines.back();
  }

  static int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
  }

  fs::path ctx_;
};

constexpr const char* kFiveSteps = R"(FROM localhost/lit-test:latest
COPY a.bin b.txt /data/
RUN echo made > /data/made.txt
RUN rm /data/b.txt
CMD ["ls", "/data"]
)";

TEST_F(BuildTest, FiveStepsRunAndDeleteIsAWhiteout) {
  put("a.bin", std::string(100000, 'a'));
  put("b.txt", "bee\n");
  put("Containerfile", kFiveSteps);
  Result r = build({"-t", "built:one"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("STEP 5/5: CMD"), std::string::npos) << r;
  Result ls = run({"--rm", "built:one"});
  ASSERT_EQ(ls.exit_code, 0) << ls;
  EXPECT_NE(ls.out.find("a.bin"), std::string::npos) << ls;
  EXPECT_NE(ls.out.find("made.txt"), std::string::npos) << ls;
  EXPECT_EQ(ls.out.find("b.txt"), std::string::npos) << ls;
  Result cat = run({"--rm", "built:one", "cat", "/data/made.txt"});
  EXPECT_EQ(cat.out, "made\n") << cat;
  Result hist = lit({"image", "history", "--no-trunc", "built:one"});
  EXPECT_NE(hist.out.find("/bin/sh -c #(nop) CMD [\"ls\", \"/data\"]"), std::string::npos) << hist;
  EXPECT_NE(hist.out.find("RUN /bin/sh -c rm /data/b.txt"), std::string::npos) << hist;
  EXPECT_TRUE(container_ids().empty());
  EXPECT_TRUE(fs::is_empty(root_ / "images" / "tmp"));
}

TEST_F(BuildTest, RebuildIsCachedAndAChangeRerunsOnlyLaterSteps) {
  put("a.bin", "a\n");
  put("b.txt", "bee\n");
  put("Containerfile", R"(FROM localhost/lit-test:latest
RUN echo first > /first.txt
COPY b.txt /b.txt
RUN cat /b.txt > /copy.txt
CMD ["cat", "/copy.txt"]
)");
  Result first = build({"-t", "built:cache"});
  ASSERT_EQ(first.exit_code, 0) << first;
  EXPECT_EQ(count(first.out, "--> CACHED"), 0) << first;
  Result again = build({"-t", "built:cache"});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(count(again.out, "--> CACHED"), 4) << again;
  EXPECT_NE(again.out.find("0 steps run"), std::string::npos) << again;
  EXPECT_EQ(id_of(again), id_of(first));
  put("b.txt", "changed\n");
  Result changed = build({"-t", "built:cache"});
  ASSERT_EQ(changed.exit_code, 0) << changed;
  EXPECT_EQ(count(changed.out, "--> CACHED"), 1) << changed;  // the first RUN only
  EXPECT_NE(changed.out.find("3 steps run"), std::string::npos) << changed;
  Result cat = run({"--rm", "built:cache"});
  EXPECT_EQ(cat.out, "changed\n") << cat;
  Result nocache = build({"--no-cache", "-t", "built:cache"});
  EXPECT_EQ(count(nocache.out, "--> CACHED"), 0) << nocache;
}

TEST_F(BuildTest, MultiStageArgsEnvHeredocAndIgnore) {
  put("sub/one.txt", "one\n");
  put("sub/two.log", "two\n");
  put("sub/keep.log", "keep\n");
  put(".dockerignore", "sub/*.log\n!sub/keep.log\n");
  put("Dockerfile", R"(ARG BASE=localhost/lit-test:latest
FROM $BASE AS builder
ARG GREETING=hi
ENV WHO=world
WORKDIR /work/deep
RUN <<EOF
echo "$GREETING $WHO" > out.txt
pwd >> out.txt
EOF
COPY sub/ /ctx/
FROM ${BASE}
ENV DEST=/result
COPY --from=builder /work/deep/out.txt $DEST/
COPY --from=builder /ctx /ctx
CMD cat /result/out.txt; ls /ctx
)");
  Result r = build({"--build-arg", "GREETING=hello", "-t", "built:multi"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Result out = run({"--rm", "built:multi"});
  ASSERT_EQ(out.exit_code, 0) << out;
  EXPECT_EQ(out.out, "hello world\n/work/deep\nkeep.log\none.txt\n") << out;
}

TEST_F(BuildTest, FailingRunNamesTheLineAndLeavesNothing) {
  put("Containerfile", "FROM localhost/lit-test:latest\nRUN true\nRUN echo out; exit 3\n");
  auto before = store_snapshot();
  Result r = build({"-t", "built:fail"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("Containerfile:3: RUN: exit code 3: /bin/sh -c echo out; exit 3"),
            std::string::npos)
      << r;
  EXPECT_TRUE(container_ids().empty());
  EXPECT_TRUE(fs::is_empty(root_ / "images" / "tmp"));
  EXPECT_NE(lit({"image", "inspect", "built:fail"}).exit_code, 0);
  auto after = store_snapshot();
  for (const auto& f : after) {  // only cache entries may be new
    if (!before.contains(f)) {
      EXPECT_NE(f.find("build-cache"), std::string::npos) << f;
    }
  }
}

TEST_F(BuildTest, MalformedContainerfileNamesTheLine) {
  put("Containerfile", "FROM localhost/lit-test:latest\nCPY a b\n");
  Result r = build({});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("Containerfile:2: unknown instruction \"CPY\""), std::string::npos) << r;
}

TEST_F(BuildTest, ProjectServicesAreBuiltAndTaggedAsCompose) {
  put("app/Dockerfile",
      "FROM localhost/lit-test:latest\nARG MSG=x\nRUN echo $MSG > /msg\nCMD [\"cat\", \"/msg\"]\n");
  put("compose.yaml", R"(name: shop
services:
  web:
    build:
      context: ./app
      args:
        MSG: hello
      tags: ["localhost/shop/web:v1"]
)");
  RunOptions opts;
  opts.timeout = 90s;
  Result r = lit({"-f", (ctx_ / "compose.yaml").string(), "build"}, opts);
  ASSERT_EQ(r.exit_code, 0) << r;
  Result a = run({"--rm", "shop-web"});
  EXPECT_EQ(a.out, "hello\n") << a;
  Result b = run({"--rm", "localhost/shop/web:v1"});
  EXPECT_EQ(b.out, "hello\n") << b;
}

// `lit up` on a service with build: and no image: of its own rebuilds it
// through the step cache: nothing printed and nothing recreated while the
// context is unchanged; an edited file rebuilds from the step that reads it
// and recreates only that service.
TEST_F(BuildTest, UpRebuildsAnEditedContextAndRecreatesOnlyThatService) {
  put("app/Dockerfile",
      "FROM localhost/lit-test:latest\nCOPY msg /msg\nCMD [\"sleep\", \"600\"]\n");
  put("app/msg", "v1\n");
  put("compose.yaml", R"(name: shop
services:
  web:
    build: ./app
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
)");
  RunOptions opts;
  opts.timeout = 90s;
  auto up = [&] { return lit({"-f", (ctx_ / "compose.yaml").string(), "up", "-d"}, opts); };
  auto id = [&](const std::string& name) {
    for (const auto& line : lit({"container", "ls", "-a", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      if (j.at("Names") == name) return j.at("ID").get<std::string>();
    }
    return std::string();
  };
  Result first = up();
  ASSERT_EQ(first.exit_code, 0) << first;
  EXPECT_NE(first.out.find("service web: building"), std::string::npos) << first;
  const std::string web = id("shop-web-1"), db = id("shop-db-1");
  ASSERT_FALSE(web.empty());
  EXPECT_EQ(lit({"container", "exec", "shop-web-1", "cat", "/msg"}).out, "v1\n");

  Result same = up();
  ASSERT_EQ(same.exit_code, 0) << same;
  EXPECT_EQ(same.out.find("building"), std::string::npos) << same;
  EXPECT_EQ(id("shop-web-1"), web);

  put("app/msg", "v2\n");
  Result edited = up();
  ASSERT_EQ(edited.exit_code, 0) << edited;
  EXPECT_NE(edited.out.find("STEP 2/3: COPY msg /msg"), std::string::npos) << edited;
  EXPECT_NE(id("shop-web-1"), web);
  EXPECT_EQ(id("shop-db-1"), db);
  EXPECT_EQ(lit({"container", "exec", "shop-web-1", "cat", "/msg"}).out, "v2\n");

  // --no-build keeps the image as it is, even with the context edited again.
  put("app/msg", "v3\n");
  Result kept = lit({"-f", (ctx_ / "compose.yaml").string(), "up", "-d", "--no-build"}, opts);
  ASSERT_EQ(kept.exit_code, 0) << kept;
  EXPECT_EQ(lit({"container", "exec", "shop-web-1", "cat", "/msg"}).out, "v2\n");
  EXPECT_EQ(lit({"-f", (ctx_ / "compose.yaml").string(), "down", "-t", "1"}).exit_code, 0);
}

// A health check in exec form (["CMD", ...]) runs its command directly, as
// docker does: an image with no shell at all becomes healthy.
TEST_F(BuildTest, ExecFormHealthCheckNeedsNoShellInTheImage) {
  fs::create_directories(ctx_ / "app");
  fs::copy_file("/bin/busybox", ctx_ / "app" / "busybox");
  put("app/Dockerfile",
      "FROM scratch\nCOPY busybox /busybox\nCMD [\"/busybox\", \"sleep\", \"600\"]\n");
  put("compose.yaml", R"(name: bare
services:
  app:
    build: ./app
    healthcheck:
      test: ["CMD", "/busybox", "true"]
      interval: 200ms
      retries: 3
)");
  RunOptions opts;
  opts.timeout = 90s;
  Result r = lit(
      {"-f", (ctx_ / "compose.yaml").string(), "up", "-d", "--wait", "--wait-timeout", "20"}, opts);
  EXPECT_EQ(r.exit_code, 0) << r;
  Result ps = lit({"container", "ls", "--format", "json"});
  EXPECT_NE(ps.out.find("(healthy)"), std::string::npos) << ps;
  EXPECT_EQ(lit({"-f", (ctx_ / "compose.yaml").string(), "down", "-t", "1"}).exit_code, 0);
}

}  // namespace
}  // namespace lit::test
