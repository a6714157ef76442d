// `lit convert kubernetes` (reconciler/kube): the round trip (every service,
// port, volume, secret, config and healthcheck of each project appears in
// the output, and no object the project did not ask for), the translations
// of golden_kube/full one by one, and small projects written for one case.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "reconciler/desired.hpp"
#include "reconciler/kube/convert.hpp"
#include "reconciler/labels.hpp"
#include "runtime/image/registry/credentials.hpp"
#include "runtime/util/error.hpp"
#include "tests/unit/reconciler/kube_cases.hpp"

namespace lit::reconciler::kube {
namespace {

using Json = nlohmann::ordered_json;

bool is_workload(const std::string& kind) {
  return kind == "Deployment" || kind == "StatefulSet" || kind == "Job";
}

std::string label(const Manifest& m, const char* key) {
  const Json& labels = m.object["metadata"]["labels"];
  return labels.contains(key) ? labels[key].get<std::string>() : "";
}

const Json& pod_spec(const Manifest& m) { return m.object["spec"]["template"]["spec"]; }

bool has_port(const Json& ports, std::uint16_t port, const char* field) {
  for (const auto& p : ports)
    if (p[field] == port) return true;
  return false;
}

bool has_mount(const Json& container, const std::string& path) {
  if (!container.contains("volumeMounts")) return false;
  for (const auto& m : container["volumeMounts"])
    if (m["mountPath"] == path) return true;
  return false;
}

const Manifest* find(const Conversion& c, const std::string& kind, const std::string& name) {
  for (const auto& m : c.manifests)
    if (m.kind == kind && m.name == name) return &m;
  return nullptr;
}

class KubeRoundTrip : public ::testing::TestWithParam<KubeCase> {};

TEST_P(KubeRoundTrip, EveryPartAppearsAndNothingElse) {
  Project project = load_project(kube_case_options(GetParam()));
  Conversion c = convert_case(GetParam());
  std::set<const Manifest*> accounted;
  std::set<std::string> claim_templates;
  bool waits_for_job = false;
  for (const auto& [name, s] : project.services) {
    std::string object = dns_label(name);
    const Manifest* workload = nullptr;
    for (const auto& m : c.manifests)
      if (is_workload(m.kind) && label(m, kServiceLabel) == name) {
        EXPECT_EQ(workload, nullptr) << name << ": two workloads";
        workload = &m;
      }
    ASSERT_NE(workload, nullptr) << name << ": no workload";
    EXPECT_EQ(workload->name, object);
    accounted.insert(workload);
    const Json& container = pod_spec(*workload)["containers"][0];
    for (const auto& p : s.ports)
      EXPECT_TRUE(has_port(container["ports"], p.target, "containerPort"))
          << name << " " << p.target;
    for (const auto& m : s.volumes) {
      if (m.type != MountType::bind && m.type != MountType::image) {
        EXPECT_TRUE(has_mount(container, m.target)) << name << " " << m.target;
      }
    }
    for (const auto* refs : {&s.secrets, &s.configs})
      for (const auto& r : *refs)
        EXPECT_TRUE(has_mount(container, r.target)) << name << " " << r.target;
    bool probe = s.healthcheck && !s.healthcheck->disable && !s.healthcheck->test.empty();
    EXPECT_EQ(container.contains("readinessProbe"), probe) << name;
    EXPECT_EQ(container.contains("livenessProbe"), probe) << name;
    if (workload->object["spec"].contains("volumeClaimTemplates"))
      for (const auto& t : workload->object["spec"]["volumeClaimTemplates"])
        claim_templates.insert(t["metadata"]["name"].get<std::string>());
    for (const auto& [dep, d] : s.depends_on)
      waits_for_job |= d.condition == DependCondition::service_completed_successfully;

    // Its Services: one named as the service (with every port), one per alias.
    std::set<std::string> names;
    for (const auto& m : c.manifests)
      if (m.kind == "Service" && label(m, kServiceLabel) == name) {
        names.insert(m.name);
        accounted.insert(&m);
      }
    if (const Manifest* svc = find(c, "Service", object)) {
      for (const auto& p : s.ports)
        EXPECT_TRUE(has_port(svc->object["spec"]["ports"], p.target, "port")) << name;
    }
    std::set<std::string> want;
    if (!s.ports.empty() || !s.expose.empty()) want.insert(object);
    for (const auto& [_, n] : s.networks)
      for (const auto* list : {&n.aliases, &n.link_aliases})
        for (const auto& a : *list) want.insert(dns_label(a));
    for (const auto& [other_name, other] : project.services)
      for (const auto& [dep, d] : other.depends_on)
        if (dep == name && d.condition != DependCondition::service_completed_successfully)
          want.insert(object);
    EXPECT_EQ(names, want) << name << ": its Services";
  }
  for (const auto& [key, v] : project.volumes) {
    if (v.external) continue;
    const Manifest* claim = find(c, "PersistentVolumeClaim", dns_label(key));
    EXPECT_TRUE(claim || claim_templates.contains(dns_label(key))) << "volume " << key;
    if (claim) accounted.insert(claim);
  }
  for (const auto& [defs, kind] :
       {std::pair{&project.secrets, "Secret"}, std::pair{&project.configs, "ConfigMap"}})
    for (const auto& [key, def] : *defs) {
      if (def.external) continue;
      const Manifest* m = find(c, kind, dns_label(key));
      EXPECT_NE(m, nullptr) << kind << " " << key;
      accounted.insert(m);
    }
  for (const char* kind : {"ServiceAccount", "Role", "RoleBinding"}) {
    const Manifest* m = find(c, kind, "lit-job-waiter");
    EXPECT_EQ(m != nullptr, waits_for_job) << kind;
    accounted.insert(m);
  }
  for (const auto& m : c.manifests)
    EXPECT_TRUE(accounted.contains(&m)) << "not asked for: " << m.kind << "/" << m.name;
}

INSTANTIATE_TEST_SUITE_P(Convert, KubeRoundTrip, ::testing::ValuesIn(kube_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

KubeCase full() { return kube_cases().back(); }

TEST(KubeConvert, OutputIsDeterministic) {
  EXPECT_EQ(to_stream(convert_case(full())), to_stream(convert_case(full())));
}

TEST(KubeConvert, UntranslatableKeyIsPlacedInTheFile) {
  Conversion c = convert_case(full());
  std::vector<std::string> lines;
  for (const auto& f : c.findings) lines.push_back(f.text());
  auto has = [&](const std::string& pattern) {
    std::regex re(pattern);
    for (const auto& l : lines)
      if (std::regex_search(l, re)) return true;
    return false;
  };
  EXPECT_TRUE(has(R"(^compose\.yaml:\d+:5: services\.web_front\.privileged: not translated: )"));
  EXPECT_TRUE(has(R"(^compose\.yaml:\d+:9: services\.web_front\.volumes\[0\]: not translated: )"
                  R"(bind mount of \./html)"));
  // A renamed service is told, not a loss.
  for (const auto& f : c.findings)
    if (f.key == "services.web_front" && f.reason.find("DNS-1123") != std::string::npos) {
      EXPECT_FALSE(f.loss);
    }
}

TEST(KubeConvert, SecretsAndConfigsCarryTheirContent) {
  Conversion c = convert_case(full());
  const Manifest* file = find(c, "Secret", "db-password");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->object["data"]["db_password"], image::base64_encode("example-password\n"));
  const Manifest* env = find(c, "Secret", "api-token");
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->object["data"]["api_token"], image::base64_encode("example-token"));
  const Manifest* inline_config = find(c, "ConfigMap", "api-config");
  ASSERT_NE(inline_config, nullptr);
  EXPECT_EQ(inline_config->object["data"]["api_config"], "listen: 8000\n");
}

TEST(KubeConvert, StartOrderIsKeptByInitContainers) {
  Conversion c = convert_case(full());
  const Manifest* api = find(c, "Deployment", "api");
  ASSERT_NE(api, nullptr);
  const Json& inits = pod_spec(*api)["initContainers"];
  ASSERT_EQ(inits.size(), 3u);
  EXPECT_EQ(inits[0]["name"], "wait-for-cache");  // no port: its name resolves
  EXPECT_NE(inits[0]["command"][2].get<std::string>().find("nslookup cache"), std::string::npos);
  EXPECT_EQ(inits[1]["image"], "busybox:1.36.1");  // x-lit-kubernetes: wait_image
  EXPECT_NE(inits[1]["command"][2].get<std::string>().find("nc -z -w 2 db 5432"),
            std::string::npos);
  EXPECT_EQ(inits[2]["command"][4], "job/migrate");
  EXPECT_EQ(pod_spec(*api)["serviceAccountName"], "lit-job-waiter");
  const Manifest* job = find(c, "Job", "migrate");
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->object["spec"]["backoffLimit"], 3);
  EXPECT_EQ(pod_spec(*job)["restartPolicy"], "OnFailure");
}

TEST(KubeConvert, ContainerKeepsWhatTheServiceMeant) {
  Project project = load_project(kube_case_options(full()));
  Conversion c = convert_case(full());
  const Manifest* api = find(c, "Deployment", "api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->object["spec"]["replicas"], 2);
  const Json& container = pod_spec(*api)["containers"][0];
  EXPECT_EQ(container["command"], Json::array({"/app/api"}));
  // compose's `$$(` is a literal `$(`: escaped so Kubernetes does not expand it.
  EXPECT_EQ(container["args"][3], "$$(not a variable)");
  EXPECT_EQ(container["securityContext"]["runAsUser"], 1000);
  EXPECT_EQ(container["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(container["securityContext"]["capabilities"]["drop"], Json::array({"ALL"}));
  EXPECT_EQ(container["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(api->object["spec"]["template"]["metadata"]["annotations"][kHashLabel],
            definition_hash(project.services.at("api")));
  const Manifest* db = find(c, "StatefulSet", "db");
  ASSERT_NE(db, nullptr);
  const Json& probe = pod_spec(*db)["containers"][0]["startupProbe"];
  EXPECT_EQ(probe["failureThreshold"], 20 / 5 + 5);
  EXPECT_EQ(pod_spec(*db)["containers"][0]["resources"]["limits"]["memory"], "512Mi");
  EXPECT_EQ(pod_spec(*db)["containers"][0]["resources"]["limits"]["cpu"], "500m");
  const Json& claim = db->object["spec"]["volumeClaimTemplates"][0];
  EXPECT_EQ(claim["spec"]["resources"]["requests"]["storage"], "5Gi");
  EXPECT_EQ(claim["spec"]["storageClassName"], "fast");
}

TEST(KubeConvert, ServiceTypeAndNamespace) {
  Options o;
  o.service_type = ServiceType::NodePort;
  o.namespace_name = "shop-ns";
  Conversion c = convert_case(full(), o);
  ASSERT_FALSE(c.manifests.empty());
  EXPECT_EQ(c.manifests.front().kind, "Namespace");
  for (const auto& m : c.manifests)
    if (m.kind != "Namespace") {
      EXPECT_EQ(m.object["metadata"]["namespace"], "shop-ns") << m.name;
    }
  const Manifest* web = find(c, "Service", "web-front");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->object["spec"]["type"], "NodePort");
  EXPECT_EQ(web->object["spec"]["ports"][1]["nodePort"], 30080);       // in the node port range
  EXPECT_FALSE(web->object["spec"]["ports"][0].contains("nodePort"));  // 8080 is not
  EXPECT_EQ(find(c, "Service", "backend")->object["spec"].value("type", ""), "");  // an alias
}

// A project written to a temporary directory, converted.
class KubeProject : public ::testing::Test {
 protected:
  std::filesystem::path dir_ = std::filesystem::temp_directory_path() /
                               ("lit-kube-" + std::to_string(::getpid()) + "-" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Conversion convert_text(const std::string& yaml) {
    std::ofstream(dir_ / "lit.yml") << yaml;
    LoadOptions lo;
    lo.files = {(dir_ / "lit.yml").string()};
    lo.environment = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    LocatedProject located = load_project_located(lo);
    Options o;
    o.extensions = load_raw(lo, true).extensions;
    return convert(located.project, located.places, o);
  }
  std::string error_of(const std::string& yaml) {
    try {
      convert_text(yaml);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(KubeProject, BadExtensionIsPlacedInTheFile) {
  EXPECT_EQ(error_of("services:\n  web:\n    image: x\n    x-lit-kubernetes: {workload: Pod}\n"),
            "lit.yml:4:24: services.web.x-lit-kubernetes.workload: expected one of Deployment, "
            "Job, StatefulSet, got \"Pod\"");
  EXPECT_EQ(error_of("x-lit-kubernetes: {size: 1Gi}\nservices:\n  web:\n    image: x\n"),
            "lit.yml:1:20: x-lit-kubernetes.size: unknown key (known: kubectl_image, "
            "volume_size, wait_image)");
  EXPECT_EQ(error_of("services:\n  a:\n    image: x\nvolumes:\n  d:\n"
                     "    x-lit-kubernetes: {size: lots}\n"),
            "lit.yml:6:24: volumes.d.x-lit-kubernetes.size: expected a storage size such as 5Gi "
            "or 500Mi, got \"lots\"");
}

TEST_F(KubeProject, WorkloadAsAsked) {
  Conversion c =
      convert_text("services:\n  once:\n    image: x\n    x-lit-kubernetes: {workload: Job}\n");
  EXPECT_NE(find(c, "Job", "once"), nullptr);
}

TEST_F(KubeProject, SharedReadWriteOnceClaimIsReported) {
  Conversion c = convert_text(
      "services:\n  a:\n    image: x\n    volumes: [data:/d]\n    deploy: {replicas: 2}\n"
      "volumes:\n  data: {}\n");
  ASSERT_NE(find(c, "Deployment", "a"), nullptr);
  ASSERT_NE(find(c, "PersistentVolumeClaim", "data"), nullptr);
  bool reported = false;
  for (const auto& f : c.findings) reported |= f.key == "volumes.data" && f.loss;
  EXPECT_TRUE(reported);
}

TEST_F(KubeProject, LabelThatIsNoKubernetesKeyIsLeftOut) {
  Conversion c = convert_text(
      "services:\n  a:\n    image: x\n    labels: {\"bad key!\": v, com.example.ok: w}\n");
  const Json& annotations =
      find(c, "Deployment", "a")->object["spec"]["template"]["metadata"]["annotations"];
  EXPECT_EQ(annotations["com.example.ok"], "w");
  EXPECT_FALSE(annotations.contains("bad key!"));
  ASSERT_FALSE(c.findings.empty());
  EXPECT_EQ(c.findings[0].key, "services.a.labels.bad key!");
}

TEST(KubeConvert, FileNamesAreKindAndName) {
  Manifest m{"PersistentVolumeClaim", "pgdata", Json::object(), {}};
  EXPECT_EQ(file_name(m), "persistentvolumeclaim-pgdata.yaml");
  EXPECT_EQ(dns_label("Web_Front"), "web-front");
}

}  // namespace
}  // namespace lit::reconciler::kube
