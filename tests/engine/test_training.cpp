#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <set>

#include "common/temp_dir.h"
#include "common/test_data.h"
#include "common/train_job.h"
#include "sparq/engine/engine.h"
#include "sparq/engine/errors.h"
#include "sparq/engine/train.h"
#include "sparq/profiler/metric_bus.h"
#include "train/checkpoint.h"

using namespace sparq;
using sparq::test::TempDir;

namespace {

engine::TrainSpec small_spec() {
    engine::TrainSpec s;
    s.name = "test";
    s.model = "mlp";
    s.hidden = {64};
    s.batch_size = 64;
    s.epochs = 2;
    s.limit_train = 1024;
    s.limit_test = 500;
    s.threads = 1;
    s.seed = 3;
    return s;
}

class Counter : public profiler::MetricSubscriber {
public:
    void on_samples(const profiler::Sample* s, std::size_t n) override {
        std::lock_guard lock(mutex);
        for (std::size_t i = 0; i < n; ++i) {
            ++count[s[i].series];
            runs.insert(s[i].run);
        }
    }
    std::mutex mutex;
    std::map<profiler::SeriesId, int> count;
    std::set<std::uint32_t> runs;
};

class ProgressWatcher : public engine::JobSink {
public:
    void on_progress(const engine::JobProgress&) override { ++progress; }
    void on_epoch(const engine::EpochReport& e) override { last_epoch = e.epoch; }
    std::atomic<int> progress{0};
    std::atomic<int> last_epoch{0};
};

struct Rig {
    TempDir ws;
    profiler::MetricBus bus;
    std::unique_ptr<engine::Engine> engine;
    Rig() {
        engine::EngineOptions o;
        o.bus = &bus;
        o.workspace_root = ws.path();
        o.sample_process = false;
        engine = std::make_unique<engine::Engine>(o);
    }
    engine::TrainResult train(const engine::TrainSpec& s) {
        engine::JobSink sink;
        return sparq::test::finished(engine->submit(s, sink));
    }
};

}  // namespace

TEST(Training, LearnsOnASmallSubsetAndPublishesMetrics) {
    SPARQ_REQUIRE_FASHION_MNIST();
    Rig rig;
    Counter counter;
    rig.bus.subscribe(&counter);
    engine::TrainSpec s = small_spec();
    s.hidden = {128};
    s.limit_train = 4096;
    s.epochs = 2;
    const engine::TrainResult r = rig.train(s);
    rig.bus.flush();
    rig.bus.unsubscribe(&counter);
    ASSERT_EQ(r.status, engine::JobStatus::Completed) << r.error;
    EXPECT_GT(r.test_accuracy, 0.65) << "chance is 0.10";
    EXPECT_EQ(r.epochs, 2);
    EXPECT_EQ(r.params, 784 * 128 + 128 + 128 * 10 + 10);
    EXPECT_GT(r.train_samples_per_s, 0.0);
    EXPECT_FALSE(r.checkpoint.empty());
    EXPECT_TRUE(std::filesystem::exists(r.checkpoint));
    const auto loss = rig.bus.series().intern(engine::series::kTrainLoss);
    const auto acc = rig.bus.series().intern(engine::series::kTestAccuracy);
    EXPECT_EQ(counter.count[loss], 2 * 4096 / 64) << "one loss sample per step";
    EXPECT_EQ(counter.count[acc], 2) << "one test accuracy per epoch";
    EXPECT_EQ(counter.runs, std::set<std::uint32_t>{std::uint32_t(r.run_id)});
}

TEST(Training, ResumeFromACheckpointGivesTheSameWeightsAsAnUninterruptedRun) {
    SPARQ_REQUIRE_FASHION_MNIST();
    for (const char* optimizer : {"adam", "sgd"}) {
        Rig rig;
        engine::TrainSpec s = small_spec();
        s.optimizer = optimizer;
        s.lr = std::string(optimizer) == "sgd" ? 0.05 : 1e-3;
        const engine::TrainResult full = rig.train(s);
        ASSERT_EQ(full.status, engine::JobStatus::Completed) << full.error;

        engine::TrainSpec first = s;
        first.epochs = 1;
        const engine::TrainResult half = rig.train(first);
        ASSERT_EQ(half.status, engine::JobStatus::Completed) << half.error;

        engine::TrainSpec rest = s;
        rest.resume = half.checkpoint;
        const engine::TrainResult resumed = rig.train(rest);
        ASSERT_EQ(resumed.status, engine::JobStatus::Completed) << resumed.error;
        EXPECT_EQ(resumed.epochs, 2);

        const auto a = engine::train::checkpoint_weights(full.checkpoint, s);
        const auto b = engine::train::checkpoint_weights(resumed.checkpoint, s);
        ASSERT_EQ(a.size(), b.size());
        ASSERT_GT(a.size(), 0u);
        std::size_t differing = 0;
        for (std::size_t i = 0; i < a.size(); ++i) differing += a[i] != b[i];
        EXPECT_EQ(differing, 0u) << optimizer;
        EXPECT_DOUBLE_EQ(full.test_accuracy, resumed.test_accuracy) << optimizer;
    }
}

TEST(Training, CnnTrainsAndResumesToo) {
    SPARQ_REQUIRE_FASHION_MNIST();
    Rig rig;
    engine::TrainSpec s = small_spec();
    s.model = "cnn";
    s.channels = {4, 8};
    s.fc = 16;
    s.limit_train = 256;
    const engine::TrainResult full = rig.train(s);
    ASSERT_EQ(full.status, engine::JobStatus::Completed) << full.error;
    engine::TrainSpec first = s;
    first.epochs = 1;
    engine::TrainSpec rest = s;
    rest.resume = rig.train(first).checkpoint;
    const engine::TrainResult resumed = rig.train(rest);
    ASSERT_EQ(resumed.status, engine::JobStatus::Completed) << resumed.error;
    EXPECT_EQ(engine::train::checkpoint_weights(full.checkpoint, s),
              engine::train::checkpoint_weights(resumed.checkpoint, s))
        << "parameters and batch-norm running statistics match";
}

TEST(Training, CancelStopsWithinABatch) {
    SPARQ_REQUIRE_FASHION_MNIST();
    Rig rig;
    engine::TrainSpec s = small_spec();
    s.limit_train = 0;  // a long job
    s.epochs = 100;
    ProgressWatcher sink;
    const auto job = rig.engine->submit(s, sink);
    while (sink.progress.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto t0 = std::chrono::steady_clock::now();
    job.cancel();
    ASSERT_TRUE(job.wait_for(10000));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const engine::TrainResult r = sparq::test::finished(job);
    EXPECT_EQ(r.status, engine::JobStatus::Cancelled);
    EXPECT_EQ(job.status(), engine::JobStatus::Cancelled);
    EXPECT_EQ(sink.last_epoch.load(), 0) << "no epoch was completed";
    EXPECT_LT(ms, 2000) << "one batch of 64 takes milliseconds";
}

TEST(Training, PauseHoldsTheJobAndResumeContinues) {
    SPARQ_REQUIRE_FASHION_MNIST();
    Rig rig;
    engine::TrainSpec s = small_spec();
    s.epochs = 1;
    s.limit_train = 60000;
    ProgressWatcher sink;
    const auto job = rig.engine->submit(s, sink);
    while (sink.progress.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    job.pause();
    EXPECT_EQ(job.status(), engine::JobStatus::Paused);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int frozen = sink.progress.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_LE(sink.progress.load(), frozen + 1) << "at most the batch in flight finishes";
    job.resume();
    const engine::TrainResult r = sparq::test::finished(job);
    EXPECT_EQ(r.status, engine::JobStatus::Completed);
}

TEST(Training, BadInputFailsWithAClearMessage) {
    Rig rig;
    engine::TrainSpec s = small_spec();
    s.data_dir = "/nonexistent/fashion";
    engine::TrainResult r = rig.train(s);
    EXPECT_EQ(r.status, engine::JobStatus::Failed);
    EXPECT_NE(r.error.find("/nonexistent/fashion"), std::string::npos) << r.error;

    SPARQ_REQUIRE_FASHION_MNIST();
    engine::TrainSpec a = small_spec();
    a.epochs = 1;
    const std::string ckpt = rig.train(a).checkpoint;
    engine::TrainSpec other = small_spec();
    other.hidden = {32};
    other.resume = ckpt;
    r = rig.train(other);
    EXPECT_EQ(r.status, engine::JobStatus::Failed);
    EXPECT_NE(r.error.find("another architecture"), std::string::npos) << r.error;

    engine::TrainSpec missing = small_spec();
    missing.resume = "/nonexistent/checkpoint.pt";
    r = rig.train(missing);
    EXPECT_NE(r.error.find("does not exist"), std::string::npos) << r.error;
}

TEST(Training, SubmitValidatesTheSpec) {
    Rig rig;
    engine::TrainSpec s = small_spec();
    s.epochs = 0;
    engine::JobSink sink;
    EXPECT_THROW(rig.engine->submit(s, sink), engine::ConfigError);
}
