// sparq-cli export and infer, run as scripts run them: a short training run, then every
// format, the history's artifacts, and the refusals.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "common/test_data.h"

using sparq::test::TempDir;
namespace fs = std::filesystem;

namespace {


struct Result {
    int code = -1;
    std::string out;
    std::string err;
};

Result run(const std::string& args, const TempDir& dir) {
    const std::string err_file = dir.file("stderr.txt");
    const std::string cmd = std::string(SPARQ_CLI_PATH) + " " + args + " 2>" + err_file;
    Result r;
    FILE* p = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
    const int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e(err_file);
    r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
    return r;
}

nlohmann::json last_line_json(const std::string& out) {
    std::string s = out;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return nlohmann::json::parse(s.substr(s.find_last_of('\n') + 1));
}

// One short training run shared by the tests of this file.
class ExportCli : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!sparq::test::have_fashion_mnist()) return;  // SetUp() skips (or fails under CI) each test
        dir_ = new TempDir;
        db_ = dir_->file("h.db");
        const Result r = run("train --preset mlp-fashion --epochs 1 --limit-train 1024 --limit-test 200 --threads 2 "
                             "--db " + db_ + " --workspace " + dir_->file("ws") + " --json --quiet", *dir_);
        if (r.code == 0) run_id_ = last_line_json(r.out)["run_id"].get<long long>();
        else std::fprintf(stderr, "training failed: %s\n", r.err.c_str());
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }
    void SetUp() override {
        SPARQ_REQUIRE_FASHION_MNIST();
        ASSERT_GT(run_id_, 0);
    }
    static std::string export_args(const std::string& format, const std::string& out, const std::string& extra = "") {
        return "export --run " + std::to_string(run_id_) + " --format " + format + " --out " + out + " --db " + db_ +
               " --limit-test 500 --threads 2 --json " + extra;
    }
    static nlohmann::json artifacts() {
        const Result s = run("history show " + std::to_string(run_id_) + " --db " + db_ + " --json", *dir_);
        return last_line_json(s.out)["artifacts"];
    }
    static inline TempDir* dir_ = nullptr;
    static inline std::string db_;
    static inline long long run_id_ = 0;
};

}  // namespace

TEST_F(ExportCli, OnnxFp32PrintsVerificationAndRegistersTheArtifact) {
    const std::string out = dir_->file("out/mlp.onnx");
    const Result r = run(export_args("onnx", out), *dir_);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = last_line_json(r.out);
    for (const char* key : {"path", "bytes", "max_abs_diff", "argmax_agreement", "test_accuracy"})
        ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["path"], out);
    EXPECT_EQ(j["bytes"].get<long long>(), (long long)fs::file_size(out));
    EXPECT_LE(j["max_abs_diff"].get<double>(), 1e-4);
    EXPECT_EQ(j["argmax_agreement"].get<double>(), 1.0);
    EXPECT_GT(j["test_accuracy"].get<double>(), 0.5);
    EXPECT_EQ(j["samples"], 500);
    EXPECT_EQ(j["opset"], 13);
    bool found = false;
    for (const auto& a : artifacts())
        if (a["kind"] == "export-onnx" && a["path"] == out) found = true;
    EXPECT_TRUE(found) << artifacts().dump();
    // Text mode says the same in two lines.
    const Result t = run("export --run " + std::to_string(run_id_) + " --out " + out + " --db " + db_ + " --limit-test 200", *dir_);
    ASSERT_EQ(t.code, 0) << t.err;
    EXPECT_NE(t.out.find("verified on 200 test images"), std::string::npos) << t.out;
}

TEST_F(ExportCli, Int8QuantizesARunWithoutInt8ModelAndSaysSo) {
    const Result r = run(export_args("onnx", dir_->file("int8.onnx"), "--precision int8"), *dir_);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = last_line_json(r.out);
    EXPECT_TRUE(j["quantized_now"].get<bool>());
    EXPECT_NE(r.err.find("post-training quantization"), std::string::npos) << r.err;
    EXPECT_GE(j["argmax_agreement"].get<double>(), 0.995);
    bool int8_model = false;
    for (const auto& a : artifacts())
        if (a["kind"] == "int8-model") int8_model = true;
    EXPECT_TRUE(int8_model);
    // The second INT8 export reuses that model instead of quantizing again.
    const Result again = run(export_args("bundle", dir_->file("int8.sqb"), "--precision int8"), *dir_);
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_FALSE(last_line_json(again.out)["quantized_now"].get<bool>());

    // Once a quantize run has quantized the same checkpoint, INT8 exports of the training run
    // use its model, and the quantize run exports its own.
    std::string checkpoint;
    for (const auto& a : artifacts())
        if (a["kind"] == "checkpoint") checkpoint = a["path"];
    const Result q = run("quantize --checkpoint " + checkpoint + " --mode ptq --observer ema --limit-test 200 --seconds 0.1 "
                         "--db " + db_ + " --workspace " + dir_->file("ws") + " --json --quiet", *dir_);
    ASSERT_EQ(q.code, 0) << q.err;
    const long long qrun = last_line_json(q.out)["run_id"].get<long long>();
    const Result via = run(export_args("onnx", dir_->file("via.onnx"), "--precision int8"), *dir_);
    ASSERT_EQ(via.code, 0) << via.err;
    EXPECT_NE(via.err.find("quantize run " + std::to_string(qrun)), std::string::npos) << via.err;
    const auto vj = last_line_json(via.out);
    EXPECT_GE(vj["argmax_agreement"].get<double>(), 0.995);
    const Result own = run("export --run " + std::to_string(qrun) + " --precision int8 --format bundle --out " +
                               dir_->file("q.sqb") + " --db " + db_ + " --limit-test 300 --json", *dir_);
    ASSERT_EQ(own.code, 0) << own.err;
    const auto oj = last_line_json(own.out);
    EXPECT_EQ(oj["int8_model"], vj["int8_model"]);
    EXPECT_FALSE(oj["quantized_now"].get<bool>());
    const Result info = run("infer --bundle " + dir_->file("q.sqb") + " --input " + sparq::test::fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz --json",
                            *dir_);
    ASSERT_EQ(info.code, 0) << info.err;
    EXPECT_EQ(last_line_json(info.out)["manifest"]["calibration"]["observer"], "ema");
    EXPECT_EQ(last_line_json(info.out)["manifest"]["calibration"]["quantize_run"], qrun);
}

TEST_F(ExportCli, BundleThenInfer) {
    const std::string bundle = dir_->file("m.sqb");
    const Result r = run(export_args("bundle", bundle), *dir_);
    ASSERT_EQ(r.code, 0) << r.err;
    const double exported_accuracy = last_line_json(r.out)["test_accuracy"].get<double>();
    const Result inf = run("infer --bundle " + bundle + " --input " + sparq::test::fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz --labels " + sparq::test::fashion_mnist_dir() +
                               "/t10k-labels-idx1-ubyte.gz --json",
                           *dir_);
    ASSERT_EQ(inf.code, 0) << inf.err;
    const auto j = last_line_json(inf.out);
    EXPECT_EQ(j["images"], 10000);
    EXPECT_EQ(j["predictions"].size(), 10000u);
    EXPECT_NEAR(j["accuracy"].get<double>(), exported_accuracy, 0.05);  // 500 vs 10,000 images
    EXPECT_EQ(j["manifest"]["run"]["id"], run_id_);
    EXPECT_EQ(j["manifest"]["precision"], "fp32");
    // Text mode: one line per image, then the accuracy.
    const Result text = run("infer --bundle " + bundle + " --input " + sparq::test::fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz", *dir_);
    ASSERT_EQ(text.code, 0) << text.err;
    EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '\n'), 10000);
    // A damaged bundle: exit 2, one line naming the file.
    std::string bytes;
    {
        std::ifstream in(bundle, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    bytes[bytes.size() / 2] ^= 1;
    std::ofstream(dir_->file("bad.sqb"), std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    const Result bad = run("infer --bundle " + dir_->file("bad.sqb") + " --input " + sparq::test::fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz", *dir_);
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("damaged"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("bad.sqb"), std::string::npos) << bad.err;
}

TEST_F(ExportCli, TritonRepository) {
    const std::string repo = dir_->file("repo");
    const Result r = run(export_args("triton", repo, "--model-name fashion --preferred-batch 4,32 --max-queue-delay-us 300"), *dir_);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = last_line_json(r.out);
    EXPECT_EQ(j["path"], repo + "/fashion");
    EXPECT_TRUE(fs::exists(repo + "/fashion/1/model.onnx"));
    std::ifstream in(repo + "/fashion/config.pbtxt");
    const std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(config.find("preferred_batch_size: [ 4, 32 ]"), std::string::npos) << config;
    EXPECT_NE(config.find("max_queue_delay_microseconds: 300"), std::string::npos) << config;
}

TEST_F(ExportCli, RefusesBadRequestsWithOneLine) {
    const Result missing = run("export --run 999 --out " + dir_->file("x.onnx") + " --db " + db_, *dir_);
    EXPECT_EQ(missing.code, 2);
    EXPECT_NE(missing.err.find("run 999 is not in the history"), std::string::npos) << missing.err;
    const Result no_db = run("export --run 1 --out " + dir_->file("x.onnx") + " --db " + dir_->file("none.db"), *dir_);
    EXPECT_EQ(no_db.code, 2);
    EXPECT_FALSE(fs::exists(dir_->file("none.db")));
    const Result bad_format = run("export --run 1 --format tflite --out x --db " + db_, *dir_);
    EXPECT_NE(bad_format.code, 0);
    const Result folder = run(export_args("onnx", dir_->path()), *dir_);
    EXPECT_EQ(folder.code, 2);
    EXPECT_NE(folder.err.find("is a folder"), std::string::npos) << folder.err;
}
