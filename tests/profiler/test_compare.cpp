// Run comparison: the configuration diff shows exactly the differing keys, the Pareto
// frontier is right on constructed sets, and deleting runs removes them and nothing else.
#include <gtest/gtest.h>

#include <random>

#include "common/temp_dir.h"
#include "sparq/profiler/compare.h"
#include "sparq/profiler/history_edit.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

using namespace sparq::profiler;
using sparq::test::TempDir;

TEST(Compare, FlattensNestedObjectsAndKeepsListsWhole) {
    const auto f = flatten_json(R"({"lr": 0.001, "hidden": [512, 256], "gate": {"mode": "topk", "k": 4}, "empty": {}})");
    EXPECT_EQ(f.size(), 5u);
    EXPECT_EQ(f.at("lr"), "0.001");
    EXPECT_EQ(f.at("hidden"), "[512,256]");
    EXPECT_EQ(f.at("gate.mode"), "\"topk\"");
    EXPECT_EQ(f.at("gate.k"), "4");
    EXPECT_EQ(f.at("empty"), "{}");
    EXPECT_THROW(flatten_json("[1, 2]"), std::invalid_argument);
    EXPECT_THROW(flatten_json("not json"), std::invalid_argument);
}

TEST(Compare, DiffShowsExactlyTheKeysThatDiffer) {
    const std::vector<std::string> configs{
        R"({"lr": 0.001, "epochs": 5, "hidden": [512, 256], "gate": {"mode": "topk", "k": 4}, "seed": 1})",
        R"({"lr": 0.002, "epochs": 5, "hidden": [512, 256], "gate": {"mode": "topk", "k": 8}, "seed": 1})",
        R"({"lr": 0.001, "epochs": 5, "hidden": [512, 128], "gate": {"mode": "topk", "k": 4}, "seed": 1, "extra": true})"};
    const auto rows = diff_configs(configs);
    std::vector<std::string> keys;
    for (const auto& r : rows) keys.push_back(r.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"extra", "gate.k", "hidden", "lr"}));
    const auto& extra = rows[0];
    ASSERT_EQ(extra.values.size(), 3u);
    EXPECT_FALSE(extra.values[0].has_value());  // absent in the first two
    EXPECT_FALSE(extra.values[1].has_value());
    EXPECT_EQ(extra.values[2], "true");
    EXPECT_EQ(rows[3].values[1], "0.002");
    EXPECT_TRUE(diff_configs({configs[0], configs[0]}).empty());
    EXPECT_EQ(diff_configs(configs, /*all=*/true).size(), 7u);
}

TEST(Compare, ParetoFrontOnAConstructedSet) {
    // x = accuracy (up), y = latency in ms (down).
    const std::vector<ParetoPoint> pts{
        {0.90, 10.0},  // 0: front
        {0.88, 5.0},   // 1: front
        {0.85, 5.0},   // 2: dominated by 1 (same latency, less accurate)
        {0.92, 30.0},  // 3: front (most accurate)
        {0.80, 2.0},   // 4: front (fastest)
        {0.89, 12.0},  // 5: dominated by 0
        {0.88, 5.0},   // 6: a duplicate of 1: stays with it
        {0.70, 40.0},  // 7: dominated by everything
    };
    EXPECT_EQ(pareto_front(pts, true, false), (std::vector<std::size_t>{0, 1, 3, 4, 6}));
    // Both maximised: only the point best in x, and the ones above it in y, remain.
    EXPECT_EQ(pareto_front(pts, true, true), (std::vector<std::size_t>{3, 7}));
    EXPECT_TRUE(pareto_front({}, true, true).empty());
}

TEST(Compare, ParetoFrontMatchesBruteForceOnRandomSets) {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> coord(0, 12);  // coarse: many ties
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<ParetoPoint> pts(std::size_t(1 + trial % 40));
        for (auto& p : pts) p = {double(coord(rng)), double(coord(rng))};
        for (const bool mx : {true, false})
            for (const bool my : {true, false}) {
                std::vector<std::size_t> want;
                auto ge = [](double a, double b, bool m) { return m ? a >= b : a <= b; };
                auto gt = [](double a, double b, bool m) { return m ? a > b : a < b; };
                for (std::size_t i = 0; i < pts.size(); ++i) {
                    bool dominated = false;
                    for (const auto& q : pts)
                        dominated |= ge(q.x, pts[i].x, mx) && ge(q.y, pts[i].y, my) &&
                                     (gt(q.x, pts[i].x, mx) || gt(q.y, pts[i].y, my));
                    if (!dominated) want.push_back(i);
                }
                ASSERT_EQ(pareto_front(pts, mx, my), want) << "trial " << trial << " mx " << mx << " my " << my;
            }
    }
}

TEST(HistoryEdit, DeletesRunsWithTheirSamplesAndNothingElse) {
    TempDir dir;
    const std::string db = dir.file("history.db");
    MetricBus bus;
    std::vector<RunId> ids;
    {
        auto store = RunStore::open({db});
        store->attach(bus);
        Producer out = bus.make_producer();
        const SeriesId loss = bus.series().intern("train/loss");
        for (int r = 0; r < 3; ++r) {
            ids.push_back(store->create_run({"run" + std::to_string(r), "train", "", "{}"}));
            for (int i = 0; i < 20; ++i) out.publish(ids.back(), loss, i, double(i));
            store->add_event(ids.back(), "info", "epoch", "done");
            store->add_artifact(ids.back(), "checkpoint", "/tmp/x.pt", 1);
            store->finish_run(ids.back(), "completed", "{}", 0.5);
        }
        store->detach();
    }
    EXPECT_THROW(delete_runs(db, {ids[0], 9999}), StoreError);  // an unknown id: nothing deleted
    EXPECT_EQ(RunReader(db).list_runs().size(), 3u);
    EXPECT_EQ(delete_runs(db, {ids[0], ids[2]}), 2u);
    RunReader reader(db);
    const auto runs = reader.list_runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].id, ids[1]);
    EXPECT_EQ(reader.load_series(ids[1], {"train/loss"})[0].value.size(), 20u);
    EXPECT_TRUE(reader.load_series(ids[0], {"train/loss"})[0].value.empty());
    EXPECT_TRUE(reader.events(ids[0]).empty());
    EXPECT_TRUE(reader.artifacts(ids[2]).empty());
    EXPECT_EQ(reader.events(ids[1]).size(), 1u);
}

TEST(HistoryEdit, RefusesToDeleteARunBeingWritten) {
    TempDir dir;
    const std::string db = dir.file("history.db");
    auto store = RunStore::open({db});
    const RunId live = store->create_run({"live", "train", "", "{}"});
    store->flush();
    try {
        delete_runs(db, {live});
        FAIL() << "a live run was deleted";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("still running"), std::string::npos) << e.what();
    }
    store->finish_run(live, "completed", "{}", std::nullopt);
    store.reset();
    EXPECT_EQ(delete_runs(db, {live}), 1u);
}
