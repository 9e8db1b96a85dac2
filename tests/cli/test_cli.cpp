// Runs the real sparq-cli binary the way scripts do.
#include <gtest/gtest.h>

#include <set>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "common/test_data.h"

using sparq::test::TempDir;

namespace {

struct Result {
    int code = -1;
    std::string out;
    std::string err;
};

// Runs a shell command line; its standard error goes through a file.
Result run_shell(const std::string& command, const TempDir& dir) {
    const std::string err_file = dir.file("stderr.txt");
    const std::string cmd = command + " 2>" + err_file;
    Result r;
    FILE* p = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
    const int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    FILE* e = std::fopen(err_file.c_str(), "r");
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), e)) r.err.append(buf.data(), n);
    std::fclose(e);
    return r;
}

Result run(const std::string& args, const TempDir& dir) { return run_shell(std::string(SPARQ_CLI_PATH) + " " + args, dir); }

nlohmann::json last_line_json(const std::string& out) {
    std::string s = out;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return nlohmann::json::parse(s.substr(s.find_last_of('\n') + 1));
}

}  // namespace

TEST(Cli, TrainJsonAndHistoryList) {
    SPARQ_REQUIRE_FASHION_MNIST();
    TempDir dir;
    const std::string db = dir.file("h.db");
    const Result r = run("train --preset mlp-fashion --epochs 1 --limit-train 1024 --limit-test 500 "
                         "--threads 1 --ops-window 1 --db " + db + " --workspace " + dir.file("ws") + " --json",
                         dir);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = last_line_json(r.out);
    for (const char* key : {"run_id", "status", "test_accuracy", "train_samples_per_s", "epochs",
                            "params", "wall_s"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["status"], "completed");
    EXPECT_EQ(j["epochs"], 1);
    EXPECT_EQ(j["params"], 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10);
    EXPECT_GT(j["test_accuracy"].get<double>(), 0.5);
    EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no progress bar when not on a terminal";
    // It ran where "auto" resolves here, and says so.
    const std::string device = last_line_json(run("devices --json", dir).out)["auto"];
    EXPECT_EQ(j["device"], device.substr(0, device.find(' ')));

    const Result h = run("history list --db " + db + " --json", dir);
    ASSERT_EQ(h.code, 0) << h.err;
    const auto hl = last_line_json(h.out);
    ASSERT_EQ(hl["runs"].size(), 1u);
    EXPECT_EQ(hl["runs"][0]["run_id"], j["run_id"]);
    EXPECT_EQ(hl["runs"][0]["status"], "completed");
    EXPECT_EQ(hl["runs"][0]["preset"], "mlp-fashion");

    // The profiler ran beside the job: its status line, the operator table, per-op and
    // per-core series, and an (empty here) list of alerts.
    const Result s = run("history show " + std::to_string(j["run_id"].get<long long>()) + " --db " + db + " --json", dir);
    ASSERT_EQ(s.code, 0) << s.err;
    const auto js = last_line_json(s.out);
    ASSERT_TRUE(js.contains("alerts"));
    EXPECT_TRUE(js["alerts"].is_array());
    std::string status, ops;
    for (const auto& e : js["events"]) {
        if (e["kind"] == "profiler") status = e["message"];
        if (e["kind"] == "ops") ops = e["message"];
    }
    EXPECT_NE(status.find("CPU process, cores, memory, ops"), std::string::npos) << status;
    EXPECT_NE(status.find("GPU"), std::string::npos) << status;
    std::string started;
    for (const auto& e : js["events"])
        if (e["kind"] == "started") started = e["message"];
    EXPECT_NE(started.find(" on " + device), std::string::npos) << started;
    EXPECT_NE(started.find("OpenMP threads wait with GOMP_SPINCOUNT=1000"), std::string::npos) << started;
    if (device == "cpu") {
        // A job on the CPU starts no GPU collector and keeps no GPU series.
        EXPECT_NE(status.find("GPU none (the job runs on the CPU"), std::string::npos) << status;
        for (const auto& x : js["series"]) {
            const std::string name = x["name"];
            EXPECT_NE(name.rfind("gpu/", 0), 0u) << name;
            EXPECT_NE(name.rfind("nvml/", 0), 0u) << name;
        }
    }
    const auto table = nlohmann::json::parse(ops);
    ASSERT_FALSE(table.empty());
    bool addmm = false;
    for (const auto& o : table) addmm |= o["op"] == "aten::addmm" && o["calls"].get<long long>() >= 8;
    EXPECT_TRUE(addmm) << ops;  // 1024 images in batches of 128 -> 8 training products per layer
    bool core_series = false, op_series = false;
    for (const auto& x : js["series"]) {
        const std::string name = x["name"];
        core_series |= name.rfind("cpu/core", 0) == 0;
        op_series |= name == "ops/aten::addmm/self_ms";
    }
    EXPECT_TRUE(core_series);
    EXPECT_TRUE(op_series);
}

TEST(Cli, ErrorsExitNonZeroWithOneLine) {
    TempDir dir;
    const Result bad = run("train --preset no-such-preset --db " + dir.file("h.db"), dir);
    EXPECT_NE(bad.code, 0);
    EXPECT_NE(bad.err.find("unknown preset 'no-such-preset'"), std::string::npos) << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;

    const Result range = run("train --preset mlp-fashion --epochs 0 --db " + dir.file("h.db"), dir);
    EXPECT_NE(range.code, 0);
    EXPECT_NE(range.err.find("'epochs' = 0 is out of range"), std::string::npos) << range.err;

    const Result nodb = run("history list --db " + dir.file("missing.db"), dir);
    EXPECT_NE(nodb.code, 0);
    EXPECT_NE(nodb.err.find("no history database"), std::string::npos) << nodb.err;

    const Result nodata = run("train --preset mlp-fashion --data " + dir.file("nothing") +
                              " --db " + dir.file("h.db") + " --quiet", dir);
    EXPECT_EQ(nodata.code, 1);
    EXPECT_NE(nodata.err.find("--data"), std::string::npos) << nodata.err;
}

// A command that computes gives itself yielding OpenMP threads when the environment says
// nothing (a re-execution, as OpenMP reads its settings before main); the environment wins.
TEST(Cli, OpenMpWaitsAreSparqsUnlessTheEnvironmentSays) {
    SPARQ_REQUIRE_FASHION_MNIST();
    TempDir dir;
    const std::string db = dir.file("h.db");
    const std::string train = " train --preset mlp-fashion --epochs 1 --limit-train 256 --limit-test 100 --threads 1 "
                              "--quiet --json --db " + db;
    const std::string clean = "env -u GOMP_SPINCOUNT -u KMP_BLOCKTIME -u OMP_WAIT_POLICY -u SPARQ_OPENMP ";
    auto started = [&](const Result& r) {
        const auto id = std::to_string(last_line_json(r.out)["run_id"].get<long long>());
        const auto show = last_line_json(run("history show " + id + " --db " + db + " --json", dir).out);
        for (const auto& e : show["events"])
            if (e["kind"] == "started") return e["message"].get<std::string>();
        return std::string();
    };
    const std::string cli = SPARQ_CLI_PATH;
    const Result ours = run_shell(clean + cli + train, dir);
    ASSERT_EQ(ours.code, 0) << ours.err;
    EXPECT_NE(started(ours).find("GOMP_SPINCOUNT=1000 (Sparq's default)"), std::string::npos) << started(ours);
    const Result theirs = run_shell(clean + "OMP_WAIT_POLICY=active " + cli + train, dir);
    ASSERT_EQ(theirs.code, 0) << theirs.err;
    EXPECT_NE(started(theirs).find("OMP_WAIT_POLICY=active (environment)"), std::string::npos) << started(theirs);
}

// The device a job asks for is the device it runs on, or the job does not start.
TEST(Cli, DeviceIsResolvedOnceAndACudaRequestWithoutCudaIsRefused) {
    TempDir dir;
    const Result devices = run("devices --json", dir);
    ASSERT_EQ(devices.code, 0) << devices.err;
    const auto d = last_line_json(devices.out);
    EXPECT_EQ(d["devices"][0], "cpu");
    if (d["cuda"].get<bool>()) GTEST_SKIP() << "this machine runs CUDA jobs: the refusal cannot be seen here";
    EXPECT_EQ(d["auto"], "cpu");
    EXPECT_FALSE(d["cuda_unavailable"].get<std::string>().empty());

    for (const char* command : {"train --preset mlp-fashion", "quantize --preset mlp-fashion", "distill",
                                "continual", "serve-bench --preset tiny-lm"}) {
        const Result r = run(std::string(command) + " --device cuda --db " + dir.file("h.db") + " --json", dir);
        EXPECT_EQ(r.code, 2) << command << ": " << r.err;
        EXPECT_NE(r.err.find("device 'cuda'"), std::string::npos) << command << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    // A training job says why (this build or this machine); other kinds run on the CPU only yet.
    const Result train = run("train --preset mlp-fashion --device cuda:0 --db " + dir.file("h.db"), dir);
    EXPECT_NE(train.err.find(d["cuda_unavailable"].get<std::string>()), std::string::npos) << train.err;
    const Result bad = run("train --preset mlp-fashion --device gpu --db " + dir.file("h.db"), dir);
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("expected auto, cpu, cuda or cuda:N"), std::string::npos) << bad.err;
    // Nothing was recorded: the jobs were refused before they started.
    const Result h = run("history list --db " + dir.file("h.db") + " --json", dir);
    ASSERT_EQ(h.code, 0) << h.err;
    EXPECT_TRUE(last_line_json(h.out)["runs"].empty());
}

TEST(Cli, QuantizeQatJsonHasTheContractKeysAndAValidModelFile) {
    SPARQ_REQUIRE_FASHION_MNIST();
    TempDir dir;
    const std::string db = dir.file("h.db");
    const Result r = run("quantize --preset mlp-fashion --mode qat --observer ema --epochs 1 --limit-train 2048 "
                         "--limit-test 500 --calibration 256 --seconds 0.1 --threads 1 --alert 0.5 --db " + db +
                             " --workspace " + dir.file("ws") + " --json",
                         dir);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = last_line_json(r.out);
    for (const char* key : {"fp32_accuracy", "int8_accuracy", "accuracy_retention", "fp32_latency_ms_b1",
                            "int8_latency_ms_b1", "speedup_b1", "fp32_latency_ms_b64", "int8_latency_ms_b64",
                            "speedup_b64", "size_ratio", "max_layer_error", "ptq_int8_accuracy", "layers"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["status"], "completed");
    EXPECT_EQ(j["mode"], "qat");
    EXPECT_GT(j["fp32_accuracy"].get<double>(), 0.6);
    EXPECT_GT(j["accuracy_retention"].get<double>(), 0.95);
    EXPECT_GT(j["size_ratio"].get<double>(), 3.5);  // int8 weights + float scales vs float weights
    ASSERT_EQ(j["layers"].size(), 3u);
    double worst = 0;
    for (const auto& l : j["layers"]) worst = std::max(worst, l["error"].get<double>());
    EXPECT_DOUBLE_EQ(j["max_layer_error"].get<double>(), worst);
    EXPECT_GT(worst, 0.0);
    EXPECT_TRUE(std::filesystem::exists(j["int8_model"].get<std::string>()));
    EXPECT_EQ(std::filesystem::file_size(j["int8_model"].get<std::string>()), j["int8_size_bytes"].get<std::uint64_t>());

    // Recorded in the history as a quantize run.
    const Result h = run("history list --db " + db + " --json", dir);
    const auto runs = last_line_json(h.out)["runs"];
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["kind"], "quantize");
    EXPECT_EQ(runs[0]["status"], "completed");
}

TEST(Cli, QuantizeRejectsBadInput) {
    TempDir dir;
    Result r = run("quantize --checkpoint " + dir.file("missing.pt") + " --db " + dir.file("h.db") + " --json", dir);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("missing.pt"), std::string::npos) << r.err;
    r = run("quantize --mode int4", dir);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("mode"), std::string::npos) << r.err;
}

TEST(Cli, ContinualJsonAndTheHistoryCommands) {
    SPARQ_REQUIRE_FASHION_MNIST();
    TempDir dir;
    const std::string db = dir.file("h.db");
    const std::string small = "continual --tasks 2 --limit-train 600 --limit-test 200 --hidden 32 --threads 1 --db " + db;
    const Result a = run(small + " --lambda 5 --json", dir);
    ASSERT_EQ(a.code, 0) << a.err;
    const auto ja = last_line_json(a.out);
    for (const char* key : {"tasks", "ewc_average_accuracy", "ewc_retention", "finetune_average_accuracy",
                            "finetune_retention", "accuracy_matrix", "lambda"})
        EXPECT_TRUE(ja.contains(key)) << key;
    EXPECT_EQ(ja["tasks"], 2);
    EXPECT_EQ(ja["lambda"], 5.0);
    ASSERT_EQ(ja["accuracy_matrix"].size(), 2u);
    EXPECT_EQ(ja["accuracy_matrix"][1].size(), 2u);
    EXPECT_GT(ja["ewc_average_accuracy"].get<double>(), 0.3);
    EXPECT_TRUE(ja["finetune_average_accuracy"].is_number());
    const Result b = run(small + " --lambda 50 --baseline none --json", dir);
    ASSERT_EQ(b.code, 0) << b.err;
    const auto jb = last_line_json(b.out);
    EXPECT_TRUE(jb["finetune_average_accuracy"].is_null());
    const std::string ida = std::to_string(ja["run_id"].get<long long>()), idb = std::to_string(jb["run_id"].get<long long>());

    // diff: exactly the two settings that differ.
    const Result d = run("history diff " + ida + " " + idb + " --db " + db + " --json", dir);
    ASSERT_EQ(d.code, 0) << d.err;
    const auto jd = last_line_json(d.out);
    std::vector<std::string> keys;
    for (const auto& row : jd["differences"]) keys.push_back(row["key"]);
    EXPECT_EQ(keys, (std::vector<std::string>{"baseline", "lambda"}));
    EXPECT_EQ(jd["differences"][1]["values"][0], 5.0);

    const Result s = run("history show " + ida + " --db " + db + " --json", dir);
    ASSERT_EQ(s.code, 0) << s.err;
    const auto js = last_line_json(s.out);
    EXPECT_EQ(js["kind"], "continual");
    EXPECT_EQ(js["config"]["lambda"], 5.0);
    EXPECT_EQ(js["summary"]["ewc_average_accuracy"], ja["ewc_average_accuracy"]);
    bool has_matrix = false;
    for (const auto& series : js["series"]) has_matrix |= series["name"] == "continual/ewc/matrix/task1";
    EXPECT_TRUE(has_matrix);

    const Result c = run("history compare " + ida + " " + idb + " --db " + db + " --json", dir);
    ASSERT_EQ(c.code, 0) << c.err;
    const auto jc = last_line_json(c.out);
    EXPECT_EQ(jc["runs"][0]["metrics"]["ewc_average_accuracy"], ja["ewc_average_accuracy"]);
    EXPECT_EQ(jc["runs"][1]["metrics"]["lambda"], 50.0);

    const Result e = run("history export " + ida + " " + idb + " --format csv --db " + db, dir);
    ASSERT_EQ(e.code, 0) << e.err;
    EXPECT_EQ(std::count(e.out.begin(), e.out.end(), '\n'), 3) << e.out;
    EXPECT_NE(e.out.find("config.lambda"), std::string::npos);
    EXPECT_NE(e.out.find("summary.ewc_retention"), std::string::npos);

    const Result kinds = run("history list --kind continual --db " + db + " --json", dir);
    EXPECT_EQ(last_line_json(kinds.out)["runs"].size(), 2u);
    const Result none = run("history list --kind train --db " + db + " --json", dir);
    EXPECT_EQ(last_line_json(none.out)["runs"].size(), 0u);

    // tag, note, rename, archive: the list filters see them.
    const Result t = run("history tag " + ida + " " + idb + " --add sweep,ewc --db " + db + " --json", dir);
    ASSERT_EQ(t.code, 0) << t.err;
    EXPECT_EQ(last_line_json(t.out)["runs"][0]["tags"], (std::vector<std::string>{"ewc", "sweep"}));
    ASSERT_EQ(run("history tag " + idb + " --remove ewc --db " + db, dir).code, 0);
    const Result tagged = run("history list --tag ewc --db " + db + " --json", dir);
    ASSERT_EQ(last_line_json(tagged.out)["runs"].size(), 1u);
    EXPECT_EQ(last_line_json(tagged.out)["runs"][0]["run_id"], ja["run_id"]);
    ASSERT_EQ(run("history note " + ida + " \"lambda too low\" --db " + db, dir).code, 0);
    ASSERT_EQ(run("history rename " + idb + " strong-ewc --db " + db, dir).code, 0);
    const Result noted = run("history list --search \"too low\" --db " + db + " --json", dir);
    ASSERT_EQ(last_line_json(noted.out)["runs"].size(), 1u);
    EXPECT_EQ(last_line_json(noted.out)["runs"][0]["notes"], "lambda too low");
    ASSERT_EQ(run("history archive " + idb + " --db " + db, dir).code, 0);
    EXPECT_EQ(last_line_json(run("history list --db " + db + " --json", dir).out)["runs"].size(), 1u);
    const Result archived = run("history list --archived --db " + db + " --json", dir);
    ASSERT_EQ(last_line_json(archived.out)["runs"].size(), 2u);
    EXPECT_EQ(last_line_json(archived.out)["runs"][0]["name"], "strong-ewc");
    EXPECT_EQ(last_line_json(archived.out)["runs"][0]["archived"], true);
    ASSERT_EQ(run("history archive " + idb + " --restore --db " + db, dir).code, 0);
    const Result badtag = run("history tag " + ida + " --add \" \" --db " + db, dir);
    EXPECT_NE(badtag.code, 0);
    EXPECT_NE(badtag.err.find("tag cannot be empty"), std::string::npos) << badtag.err;

    const Result del = run("history delete " + ida + " --db " + db, dir);
    ASSERT_EQ(del.code, 0) << del.err;
    const Result left = run("history list --db " + db + " --json", dir);
    ASSERT_EQ(last_line_json(left.out)["runs"].size(), 1u);
    EXPECT_EQ(last_line_json(left.out)["runs"][0]["run_id"], jb["run_id"]);
    const Result gone = run("history show " + ida + " --db " + db, dir);
    EXPECT_EQ(gone.code, 2);
    EXPECT_NE(gone.err.find("no run " + ida), std::string::npos) << gone.err;
}

// serve-bench: the contract keys for one policy, a JSON array of every policy with
// --compare, the run in the history with its live series, and one-line errors.
// Ctrl-C while the second policy serves: the first one's figures are printed and stored, the
// run is cancelled, and the exit status is the shell's for an interrupt.
TEST(Cli, ServeBenchStopsOnCtrlCAndKeepsTheFinishedPolicies) {
    TempDir dir;
    const std::string err = dir.file("serve.txt"), db = dir.file("h.db");
    const std::string bench = std::string(SPARQ_CLI_PATH) + " serve-bench --preset tiny-lm --compare --rate 8" +
                              " --train-steps 5 --cache-dir " + dir.file("models") + " --db " + db +
                              " --requests 12 --max-batch 4 --prompt uniform:8:1:4:24 --output uniform:8:1:1:12 --json";
    const std::string script = bench + " 2>" + err + " & pid=$!; "
                               "for i in $(seq 600); do grep -q 'fifo: ' " + err + " && break; sleep 0.1; done; "
                               "kill -INT $pid; wait $pid; echo exit=$?";
    FILE* p = popen(script.c_str(), "r");  // run by sh
    std::string out;
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    pclose(p);
    ASSERT_NE(out.find("exit=130"), std::string::npos) << out;
    const auto arr = nlohmann::json::parse(out.substr(0, out.find("exit=")));
    ASSERT_TRUE(arr.is_array());
    ASSERT_GE(arr.size(), 1u);
    EXPECT_LT(arr.size(), 5u);
    EXPECT_EQ(arr[0]["policy"], "fifo");
    EXPECT_EQ(arr[0]["requests"], 12);
    const Result h = run("history list --kind serve --db " + db + " --json", dir);
    ASSERT_EQ(h.code, 0) << h.err;
    const auto runs = last_line_json(h.out)["runs"];
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["status"], "cancelled");
}

TEST(Cli, ServeBenchPrintsTheContractKeysAndComparesEveryPolicy) {
    TempDir dir;
    const std::string common = " --train-steps 5 --cache-dir " + dir.file("models") + " --db " + dir.file("h.db") +
                               " --requests 12 --max-batch 4 --prompt uniform:8:1:4:24"
                               " --output uniform:8:1:1:12 --quiet --json";
    const Result one = run("serve-bench --preset tiny-lm --policy kmeans --concurrency 4" + common, dir);
    ASSERT_EQ(one.code, 0) << one.err;
    const auto j = last_line_json(one.out);
    for (const char* key : {"policy", "throughput_rps", "tokens_per_s", "p50_ms", "p95_ms", "p99_ms",
                            "padding_fraction", "mean_batch"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["policy"], "kmeans");
    EXPECT_EQ(j["requests"], 12);
    EXPECT_GT(j["throughput_rps"].get<double>(), 0.0);
    EXPECT_LE(j["p50_ms"].get<double>(), j["p95_ms"].get<double>());

    const Result all = run("serve-bench --preset tiny-lm --compare --rate 200" + common, dir);
    ASSERT_EQ(all.code, 0) << all.err;
    const auto arr = last_line_json(all.out);
    ASSERT_TRUE(arr.is_array());
    std::vector<std::string> policies;
    for (const auto& r : arr) {
        policies.push_back(r["policy"]);
        EXPECT_EQ(r["requests"], 12) << r["policy"];
        EXPECT_EQ(r["tokens"], j["tokens"]) << "the same seeded workload";
    }
    EXPECT_EQ(policies, (std::vector<std::string>{"fifo", "max-delay", "bucket", "kmeans", "continuous"}));

    const Result h = run("history list --kind serve --db " + dir.file("h.db") + " --json", dir);
    ASSERT_EQ(h.code, 0) << h.err;
    const auto runs = last_line_json(h.out)["runs"];
    ASSERT_EQ(runs.size(), 2u);
    std::set<std::string> series;
    for (const auto& r : runs) {
        EXPECT_EQ(r["kind"], "serve");
        const Result s = run("history show " + std::to_string(r["run_id"].get<long long>()) + " --db " + dir.file("h.db") + " --json", dir);
        ASSERT_EQ(s.code, 0) << s.err;
        const auto shown = last_line_json(s.out);  // kept: a range-for over a temporary's member dangles
        for (const auto& x : shown["series"]) series.insert(x["name"].get<std::string>());
    }
    for (const char* name : {"serve/kmeans/throughput_rps", "serve/kmeans/queue", "serve/continuous/latency_p95_ms",
                             "serve/fifo/padding", "serve/kmeans/kv_cache_mb", "cpu/util"})
        EXPECT_TRUE(series.count(name)) << name << " among " << series.size() << " series";

    const Result bad = run("serve-bench --preset tiny-lm --policy kmeans --clusters 0" + common, dir);
    EXPECT_NE(bad.code, 0);
    EXPECT_NE(bad.err.find("clusters"), std::string::npos) << bad.err;
    const Result preset = run("serve-bench --preset gpt-9" + common, dir);
    EXPECT_NE(preset.code, 0);
    EXPECT_NE(preset.err.find("unknown serving preset 'gpt-9'"), std::string::npos) << preset.err;
}
