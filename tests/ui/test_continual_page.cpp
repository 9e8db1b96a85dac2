// Continual view: the result card filled from a continual run's summary JSON (EWC vs
// fine-tuning, the targets of issue 8), the form's fields checked by the engine's validate(),
// the live charts fed through the bus (accuracy matrices filled row by row, per-task accuracy
// curves with task starts, Fisher importance per parameter tensor), a past run drawn again from
// the series the history stored, the view in the main window (Ctrl+7), and (with Fashion-MNIST
// installed) a small job started from the form.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTest>
#include <qcustomplot.h>

#include "continual/accuracymatrixmap.h"
#include "continual/continualcharts.h"
#include "continual/continualform.h"
#include "continual/continualpage.h"
#include "continual/continualresultcard.h"
#include "common/errorlabel.h"
#include "continual/fisherimportancechart.h"
#include "core/joblane.h"
#include "core/mainwindow.h"
#include "page_test_support.h"
#include "sparq/engine/continual.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"
#include "sparq/profiler/sample.h"
#include "core/workbench.h"

using namespace sparq;
using sparq::ui::ContinualResultCard;
using sparq::ui::ContinualCharts;
using Matrix = std::vector<std::vector<double>>;

using sparq::test::keys;
using sparq::test::textColor;
using sparq::test::toObject;
using sparq::test::values;

namespace {

// R[i][j]: EWC keeps the earlier tasks; fine-tuning forgets them.
const Matrix kEwc{{0.95, 0.10, 0.11}, {0.90, 0.94, 0.12}, {0.88, 0.91, 0.93}};
const Matrix kFinetune{{0.95, 0.10, 0.11}, {0.60, 0.95, 0.09}, {0.40, 0.60, 0.94}};
const Matrix kJoint{{0.95, 0.10, 0.11}, {0.94, 0.95, 0.10}, {0.93, 0.94, 0.95}};
const char* const kParams[] = {"fc0.weight", "fc0.bias", "fc1.weight", "fc1.bias"};

// The mean Fisher of parameter p after task t: spread over orders of magnitude, as in a real run.
double fisherMean(int task, int param) { return std::pow(10.0, -5 + param) * (1.0 + 0.5 * task); }

engine::ContinualRun methodRun(const Matrix& r) {
    engine::ContinualRun run;
    run.accuracy_matrix = r;
    run.metrics = engine::summarize(r);
    run.wall_s = 10;
    return run;
}

engine::ContinualResult continualResult(std::int64_t run) {
    engine::ContinualResult r;
    r.run_id = run;
    r.status = "completed";
    r.scenario = "permuted";
    r.tasks = 3;
    r.lambda = 100;
    r.ewc = methodRun(kEwc);
    r.has_finetune = true;
    r.finetune = methodRun(kFinetune);
    r.params = 669706;
    r.wall_s = 42.5;
    for (int t = 0; t < 3; ++t)
        for (int p = 0; p < 4; ++p) r.fisher.push_back({t, kParams[p], fisherMean(t, p), 10 * fisherMean(t, p)});
    return r;
}


// The target flags, and the met colour exactly where a target is met.
void expectTargets(const ContinualResultCard& card, bool retention, bool gain) {
    const QColor green = ContinualResultCard::targetMetColor();
    EXPECT_EQ(card.retentionMeetsTarget(), retention);
    EXPECT_EQ(card.gainMeetsTarget(), gain);
    EXPECT_EQ(card.meetsTargets(), retention && gain);
    EXPECT_EQ(textColor(card.cell(ContinualResultCard::Ewc, ContinualResultCard::Retention)) == green, retention);
    EXPECT_EQ(textColor(card.cell(ContinualResultCard::Ewc, ContinualResultCard::OverFinetune)) == green, gain);
    EXPECT_EQ(textColor(card.headline()) == green, retention && gain);
    EXPECT_NE(textColor(card.cell(ContinualResultCard::Finetune, ContinualResultCard::Retention)), green);
}

// Publishes what a continual job streams for one method, in the engine's order, task by task:
// where the task starts, the loss at every step, then (at the end of the task) the accuracy on
// the tasks seen so far, the matrix row, and for EWC the Fisher of every parameter.
class ContinualPublisher : public sparq::test::SeriesPublisher {
public:
    static constexpr int kSteps = 10;  // optimizer steps per task

    using SeriesPublisher::SeriesPublisher;

    void task(const std::string& method, const Matrix& r, int t) {
        const std::string prefix = "continual/" + method + "/";
        for (int s = 0; s < kSteps; ++s) {
            const std::int64_t step = t * kSteps + s;
            if (s == 0) publish(prefix + "task", step, t);
            publish(prefix + "loss", step, 1.0 / (1 + step));
        }
        const std::int64_t end = (t + 1) * kSteps;
        for (int j = 0; j <= t; ++j) publish(prefix + "accuracy/task" + std::to_string(j), end, r[t][j]);
        for (int j = 0; j < int(r.size()); ++j) publish(prefix + "matrix/task" + std::to_string(j), t, r[t][j]);
        publish(prefix + "average_accuracy", t, r[t][0]);
        if (method == "ewc")
            for (int p = 0; p < 4; ++p) publish(prefix + "fisher/" + kParams[p], t, fisherMean(t, p));
    }
    void method(const std::string& name, const Matrix& r) {
        for (int t = 0; t < int(r.size()); ++t) task(name, r, t);
    }
};

// A finished continual run in the history, with its streamed series.
profiler::RunId addContinualRun(ui::Workbench& wb, const std::string& status = "completed") {
    profiler::RunStore& store = wb.store();
    engine::ContinualSpec spec;
    spec.tasks = 3;
    const profiler::RunId id = store.create_run({"permuted fashion x3 ewc", "continual", "", engine::to_json(spec)});
    ContinualPublisher publisher(wb.bus(), std::uint32_t(id));
    publisher.method("ewc", kEwc);
    publisher.method("finetune", kFinetune);
    publisher.flush();
    engine::ContinualResult r = continualResult(id);
    r.status = status;
    store.finish_run(id, status, engine::to_json(r),
                     status == "completed" ? std::optional<double>(r.ewc.metrics.average_accuracy) : std::nullopt);
    store.flush();
    return id;
}

// Rows [0, rows) of the map hold `r`, with their text; the rows below are blank.
void expectMatrixRows(const ui::AccuracyMatrixMap* map, const Matrix& r, int rows) {
    ASSERT_EQ(map->tasks(), int(r.size()));
    for (int i = 0; i < int(r.size()); ++i) {
        for (int j = 0; j < int(r.size()); ++j) {
            const std::optional<double> cell = map->cell(i, j);
            if (i >= rows) {
                EXPECT_FALSE(cell.has_value()) << i << "," << j;
                EXPECT_TRUE(map->cellText(i, j).isEmpty());
                continue;
            }
            ASSERT_TRUE(cell.has_value()) << i << "," << j;
            EXPECT_DOUBLE_EQ(*cell, r[i][j]) << i << "," << j;
            EXPECT_EQ(map->cellText(i, j), QString::number(r[i][j], 'f', 2)) << i << "," << j;
            // The colour map itself, at the cell's axis coordinates (tasks count from 1).
            EXPECT_DOUBLE_EQ(map->colorMap()->data()->data(j + 1, i + 1), r[i][j]);
        }
    }
    EXPECT_EQ(map->valueCount(), rows * int(r.size()));
    EXPECT_EQ(map->colorMap()->dataRange(), QCPRange(0.0, 1.0));
}

// Each task's accuracy line on a method's chart: one point per task end from its own on.
void expectTaskLines(const ContinualCharts& charts, ContinualCharts::Method m, const Matrix& r) {
    const int T = int(r.size());
    EXPECT_EQ(charts.accuracyChart(m)->graphCount(), T);
    for (int j = 0; j < T; ++j) {
        const QCPGraph* line = charts.taskLine(m, j);
        ASSERT_NE(line, nullptr) << j;
        EXPECT_EQ(line->name(), QString("task %1").arg(j + 1));
        std::vector<double> wantKeys, wantValues;
        for (int t = j; t < T; ++t) {
            wantKeys.push_back((t + 1) * ContinualPublisher::kSteps);
            wantValues.push_back(r[t][j]);
        }
        EXPECT_EQ(keys(line), wantKeys) << j;
        EXPECT_EQ(values(line), wantValues) << j;
    }
    // Task starts: a dashed line and a label at the first step of every task.
    const auto& markers = charts.taskMarkers(m);
    ASSERT_EQ(int(markers.size()), T);
    for (int t = 0; t < T; ++t) {
        EXPECT_EQ(markers[std::size_t(t)].task, t);
        EXPECT_DOUBLE_EQ(markers[std::size_t(t)].step, t * ContinualPublisher::kSteps);
        EXPECT_TRUE(charts.accuracyChart(m)->hasItem(markers[std::size_t(t)].marker.line));
        EXPECT_DOUBLE_EQ(markers[std::size_t(t)].marker.line->point1->coords().x(), t * ContinualPublisher::kSteps);
        EXPECT_DOUBLE_EQ(markers[std::size_t(t)].marker.line->point2->coords().x(), t * ContinualPublisher::kSteps);
        EXPECT_EQ(markers[std::size_t(t)].marker.label->text(), QString("task %1").arg(t + 1));
    }
}

// The bars show the mean Fisher of every parameter after `task`.
void expectFisherBars(const ui::FisherImportanceChart* fisher, int task) {
    ASSERT_EQ(fisher->shownTask(), task);
    const QStringList params{kParams[0], kParams[1], kParams[2], kParams[3]};
    EXPECT_EQ(fisher->params(), params);
    EXPECT_EQ(fisher->tickLabels(), params);
    const QCPBars* bars = fisher->bars();
    ASSERT_EQ(bars->dataCount(), 4);
    int p = 0;
    for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it, ++p) {
        EXPECT_DOUBLE_EQ(it->key, p + 1);
        EXPECT_DOUBLE_EQ(it->value, fisherMean(task, p)) << p;
        EXPECT_DOUBLE_EQ(*fisher->mean(task, params[p]), fisherMean(task, p));
    }
    // Log scale, wide enough for every bar.
    EXPECT_EQ(fisher->plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    EXPECT_LT(fisher->plot()->yAxis->range().lower, fisherMean(task, 0));
    EXPECT_GT(fisher->plot()->yAxis->range().upper, fisherMean(task, 3));
}

}  // namespace

TEST(ContinualResultCard, FillsFromASummaryAndColoursTheTargetsMet) {
    ContinualResultCard card;
    EXPECT_FALSE(card.hasResult());
    ASSERT_TRUE(card.setSummary(toObject(engine::to_json(continualResult(12)))));
    EXPECT_TRUE(card.hasResult());
    EXPECT_TRUE(card.showsFinetune());
    EXPECT_FALSE(card.showsJoint());
    const QString headline = card.headline()->text();
    EXPECT_TRUE(headline.contains("Run 12")) << headline.toStdString();
    EXPECT_TRUE(headline.contains("permuted, 3 tasks"));
    EXPECT_TRUE(headline.contains("λ = 100"));
    EXPECT_TRUE(headline.contains(QLocale().toString(669706)));
    EXPECT_TRUE(headline.contains("targets met"));

    // EWC: mean of the last row 90.67 %, retention 0.9067 / 0.94, backward transfer
    // ((0.88 - 0.95) + (0.91 - 0.94)) / 2, task 1 forgot the most (0.95 -> 0.88).
    EXPECT_EQ(card.cell(ContinualResultCard::Ewc, ContinualResultCard::AverageAccuracy)->text(), "90.67 %");
    EXPECT_EQ(card.cell(ContinualResultCard::Ewc, ContinualResultCard::Retention)->text(), "96.45 %");
    EXPECT_EQ(card.cell(ContinualResultCard::Ewc, ContinualResultCard::BackwardTransfer)->text(), "−5.00 points");
    EXPECT_EQ(card.cell(ContinualResultCard::Ewc, ContinualResultCard::MaxForgetting)->text(), "7.00 points (task 1)");
    EXPECT_EQ(card.cell(ContinualResultCard::Ewc, ContinualResultCard::OverFinetune)->text(), "+26.00 points");
    EXPECT_EQ(card.cell(ContinualResultCard::Finetune, ContinualResultCard::AverageAccuracy)->text(), "64.67 %");
    EXPECT_EQ(card.cell(ContinualResultCard::Finetune, ContinualResultCard::Retention)->text(), "68.31 %");
    EXPECT_EQ(card.cell(ContinualResultCard::Finetune, ContinualResultCard::BackwardTransfer)->text(), "−45.00 points");
    EXPECT_EQ(card.cell(ContinualResultCard::Finetune, ContinualResultCard::MaxForgetting)->text(), "55.00 points (task 1)");
    EXPECT_EQ(card.cell(ContinualResultCard::Finetune, ContinualResultCard::OverFinetune)->text(), "—");
    EXPECT_EQ(card.cell(ContinualResultCard::Joint, ContinualResultCard::AverageAccuracy)->text(), "not trained");
    EXPECT_TRUE(card.footer()->text().contains("42.5 s"));

    // Retention 96 % >= 85 % and 26 points over fine-tuning >= 15: both targets met.
    expectTargets(card, true, true);

    // EWC that forgets too (retention 0.80 / 0.94) but still leads by 10 points, with the joint
    // baseline: neither target met, the joint row filled.
    engine::ContinualResult weak = continualResult(13);
    weak.ewc = methodRun({{0.95, 0.10, 0.11}, {0.70, 0.94, 0.12}, {0.57, 0.80, 0.93}});
    weak.has_joint = true;
    weak.joint = methodRun(kJoint);
    weak.lambda = 2.5;
    weak.online_gamma = 0.9;
    ASSERT_TRUE(card.setSummary(toObject(engine::to_json(weak))));
    EXPECT_TRUE(card.showsJoint());
    EXPECT_EQ(card.cell(ContinualResultCard::Ewc, ContinualResultCard::AverageAccuracy)->text(), "76.67 %");
    EXPECT_EQ(card.cell(ContinualResultCard::Ewc, ContinualResultCard::OverFinetune)->text(), "+12.00 points");
    EXPECT_EQ(card.cell(ContinualResultCard::Joint, ContinualResultCard::AverageAccuracy)->text(), "94.00 %");
    EXPECT_EQ(card.cell(ContinualResultCard::Joint, ContinualResultCard::OverFinetune)->text(), "+29.33 points");
    EXPECT_EQ(card.cell(ContinualResultCard::Joint, ContinualResultCard::MaxForgetting)->text(), "2.00 points (task 1)");
    expectTargets(card, false, false);
    EXPECT_TRUE(card.headline()->text().contains("λ = 2.5 (online, γ = 0.9)"))
        << card.headline()->text().toStdString();
    EXPECT_TRUE(card.headline()->text().contains("targets not met"));

    // Without the fine-tune baseline there is nothing to beat: the gain is not met.
    engine::ContinualResult alone = continualResult(14);
    alone.has_finetune = false;
    ASSERT_TRUE(card.setSummary(toObject(engine::to_json(alone))));
    EXPECT_FALSE(card.showsFinetune());
    EXPECT_EQ(card.cell(ContinualResultCard::Finetune, ContinualResultCard::AverageAccuracy)->text(), "not trained");
    EXPECT_EQ(card.cell(ContinualResultCard::Ewc, ContinualResultCard::OverFinetune)->text(), "—");
    expectTargets(card, true, false);
    EXPECT_TRUE(card.headline()->text().contains("no fine-tuning to compare with"));

    // A cancelled run has no result: blanked, and said so.
    engine::ContinualResult cancelled;
    cancelled.run_id = 15;
    cancelled.status = "cancelled";
    EXPECT_FALSE(card.setSummary(toObject(engine::to_json(cancelled))));
    EXPECT_FALSE(card.hasResult());
    EXPECT_TRUE(card.headline()->text().contains("cancelled"));
    EXPECT_TRUE(card.headline()->text().contains("15"));
    EXPECT_EQ(card.cell(ContinualResultCard::Ewc, ContinualResultCard::AverageAccuracy)->text(), "—");
    expectTargets(card, false, false);
}

TEST(ContinualPage, FormPresetsAndTheEnginesValidation) {
    sparq::test::ScratchWorkbench scratch;
    ui::Workbench& wb = scratch.wb;
    ui::ContinualPage page(&wb);
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.runLoads() > 0; }, 10000));
    ui::ContinualForm* form = page.form();

    // The presets on offer, and the default one's fields (engine::load_continual_preset).
    QStringList presets;
    for (int i = 0; i < form->presetCombo()->count(); ++i) presets << form->presetCombo()->itemText(i);
    EXPECT_EQ(presets, QStringList({"permuted-fashion", "split-fashion-class", "split-fashion-task"}));
    EXPECT_EQ(form->presetCombo()->currentText(), "permuted-fashion");
    const engine::ContinualSpec preset = engine::load_continual_preset("permuted-fashion");
    engine::ContinualSpec spec = page.spec();
    EXPECT_EQ(spec.preset, "permuted-fashion");
    EXPECT_EQ(spec.scenario, preset.scenario);
    EXPECT_EQ(spec.tasks, preset.tasks);
    EXPECT_EQ(spec.hidden, preset.hidden);
    EXPECT_EQ(form->hiddenEdit()->text(), "512, 512");
    EXPECT_DOUBLE_EQ(spec.lambda, preset.lambda);
    EXPECT_DOUBLE_EQ(spec.online_gamma, 0.0);
    EXPECT_EQ(spec.fisher, "empirical");
    EXPECT_EQ(spec.fisher_samples, preset.fisher_samples);
    EXPECT_EQ(spec.baseline, "finetune");
    EXPECT_EQ(spec.epochs_per_task, preset.epochs_per_task);
    EXPECT_EQ(spec.optimizer, preset.optimizer);
    EXPECT_DOUBLE_EQ(spec.lr, preset.lr);
    EXPECT_EQ(spec.limit_train, 0);
    EXPECT_EQ(form->limitTrainSpin()->text(), "all");
    EXPECT_TRUE(form->isValid());
    EXPECT_TRUE(form->errorLabel()->isHidden());
    EXPECT_TRUE(page.startButton()->isEnabled());
    EXPECT_FALSE(page.stopButton()->isEnabled());

    // A split preset: five tasks of two classes. Six is one too many: the engine's message under
    // the form, and no start.
    form->presetCombo()->setCurrentText("split-fashion-task");
    EXPECT_EQ(form->scenarioCombo()->currentText(), "split-task");
    EXPECT_EQ(form->tasksSpin()->value(), 5);
    EXPECT_TRUE(form->isValid());
    form->tasksSpin()->setValue(6);
    EXPECT_FALSE(form->isValid());
    EXPECT_FALSE(form->errorLabel()->isHidden());
    EXPECT_EQ(form->errorLabel()->text(),
              "continual: 'tasks' must be in [1, 5] for split Fashion-MNIST (two classes per task)");
    EXPECT_EQ(form->errorLabel()->text(), ui::Workbench::validationError(page.spec()));
    EXPECT_FALSE(page.startButton()->isEnabled());
    EXPECT_EQ(page.startButton()->toolTip(), form->errorLabel()->text());
    page.startJob();
    EXPECT_FALSE(wb.isRunning());
    // Permuted tasks have no such limit.
    form->scenarioCombo()->setCurrentText("permuted");
    EXPECT_TRUE(form->isValid());
    EXPECT_TRUE(form->errorLabel()->isHidden());
    EXPECT_TRUE(page.startButton()->isEnabled());

    // Hidden widths: not numbers (the form's own message), a width of 0, none at all.
    form->hiddenEdit()->setText("512, wide");
    EXPECT_FALSE(form->isValid());
    EXPECT_TRUE(form->errorLabel()->text().contains("hidden")) << form->errorLabel()->text().toStdString();
    EXPECT_FALSE(page.startButton()->isEnabled());
    form->hiddenEdit()->setText("512, 0");
    EXPECT_EQ(form->errorLabel()->text(), "continual: 'hidden' = 0 is out of range [1, 8192]");
    form->hiddenEdit()->setText("");
    EXPECT_EQ(form->errorLabel()->text(), "continual: 'hidden' needs 1 to 8 widths");
    form->hiddenEdit()->setText("256 128");
    EXPECT_TRUE(form->isValid());

    // A negative lambda cannot be typed; the engine would refuse it with this message.
    EXPECT_EQ(form->lambdaSpin()->minimum(), 0.0);
    engine::ContinualSpec negative = page.spec();
    negative.lambda = -1;
    EXPECT_EQ(ui::Workbench::validationError(negative), "continual: 'lambda' = -1 is out of range [0, 1e+12]");

    // Lambda keeps small values (and shows no trailing zeros).
    form->lambdaSpin()->setValue(0.0005);
    EXPECT_DOUBLE_EQ(page.spec().lambda, 0.0005);
    EXPECT_EQ(form->lambdaSpin()->text(), QLocale().toString(0.0005));
    form->lambdaSpin()->setValue(100);
    EXPECT_EQ(form->lambdaSpin()->text(), "100");

    // The other fields reach the spec; the preset's hidden fields stay.
    form->lambdaSpin()->setValue(250);
    form->onlineGammaSpin()->setValue(0.9);
    form->baselineCombo()->setCurrentText("joint");
    form->fisherCombo()->setCurrentText("true");
    form->fisherSamplesSpin()->setValue(500);
    form->epochsSpin()->setValue(2);
    form->limitTrainSpin()->setValue(2000);
    form->limitTestSpin()->setValue(500);
    spec = page.spec();
    EXPECT_EQ(spec.scenario, "permuted");
    EXPECT_EQ(spec.tasks, 6);
    EXPECT_EQ(spec.hidden, (std::vector<int>{256, 128}));
    EXPECT_DOUBLE_EQ(spec.lambda, 250);
    EXPECT_DOUBLE_EQ(spec.online_gamma, 0.9);
    EXPECT_EQ(spec.baseline, "joint");
    EXPECT_EQ(spec.fisher, "true");
    EXPECT_EQ(spec.fisher_samples, 500);
    EXPECT_EQ(spec.epochs_per_task, 2);
    EXPECT_EQ(spec.limit_train, 2000);
    EXPECT_EQ(spec.limit_test, 500);
    EXPECT_EQ(spec.preset, "split-fashion-task");
    EXPECT_EQ(spec.optimizer, "adam");
    EXPECT_TRUE(ui::Workbench::validationError(spec).isEmpty());

    // Choosing a preset again puts back all of its fields.
    form->presetCombo()->setCurrentText("permuted-fashion");
    EXPECT_EQ(page.spec().tasks, preset.tasks);
    EXPECT_EQ(page.spec().hidden, preset.hidden);
    EXPECT_EQ(page.spec().baseline, "finetune");
    EXPECT_TRUE(form->isValid());
}

TEST(ContinualCharts, FillTheMatricesRowByRowAndDrawCurvesAndFisherLive) {
    profiler::MetricBus bus;
    ContinualCharts charts(bus);
    charts.resize(1500, 700);
    charts.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&charts));
    charts.followRun(5, 3, true);
    const ui::AccuracyMatrixMap* ewcMap = charts.matrix(ContinualCharts::Ewc);
    const ui::AccuracyMatrixMap* finetuneMap = charts.matrix(ContinualCharts::Finetune);
    EXPECT_EQ(ewcMap->tasks(), 3);
    EXPECT_EQ(ewcMap->valueCount(), 0);
    EXPECT_TRUE(ewcMap->placeholder()->visible());
    EXPECT_EQ(charts.fisher()->shownTask(), -1);

    // EWC's first task ends: its row of the matrix, the line of task 1, the Fisher after it.
    ContinualPublisher publisher(bus, 5);
    publisher.task("ewc", kEwc, 0);
    publisher.flush();
    ASSERT_TRUE(QTest::qWaitFor([&] { return ewcMap->valueCount() == 3 && charts.fisher()->taskCount() == 1; }, 5000));
    EXPECT_EQ(charts.run(), 5);
    EXPECT_FALSE(charts.showsRecorded());
    EXPECT_TRUE(charts.caption()->text().contains("live"));
    expectMatrixRows(ewcMap, kEwc, 1);
    EXPECT_FALSE(ewcMap->placeholder()->visible());
    EXPECT_EQ(finetuneMap->valueCount(), 0);
    ASSERT_NE(charts.taskLine(ContinualCharts::Ewc, 0), nullptr);
    EXPECT_EQ(keys(charts.taskLine(ContinualCharts::Ewc, 0)), (std::vector<double>{10}));
    EXPECT_EQ(charts.taskLine(ContinualCharts::Ewc, 1), nullptr);
    expectFisherBars(charts.fisher(), 0);

    // The other two tasks: row by row.
    publisher.task("ewc", kEwc, 1);
    publisher.flush();
    ASSERT_TRUE(QTest::qWaitFor([&] { return ewcMap->valueCount() == 6; }, 5000));
    expectMatrixRows(ewcMap, kEwc, 2);
    expectFisherBars(charts.fisher(), 1);  // following the latest task
    // The user looks at task 1's Fisher: it stays on show while task 3 ends.
    charts.fisher()->showTask(0);
    expectFisherBars(charts.fisher(), 0);
    publisher.task("ewc", kEwc, 2);
    publisher.flush();
    ASSERT_TRUE(QTest::qWaitFor([&] { return ewcMap->valueCount() == 9 && charts.fisher()->taskCount() == 3; }, 5000));
    expectMatrixRows(ewcMap, kEwc, 3);
    expectFisherBars(charts.fisher(), 0);
    EXPECT_EQ(charts.fisher()->taskSlider()->maximum(), 2);
    charts.fisher()->taskSlider()->setValue(2);
    expectFisherBars(charts.fisher(), 2);
    expectTaskLines(charts, ContinualCharts::Ewc, kEwc);
    EXPECT_EQ(charts.accuracyChart(ContinualCharts::Ewc)->yAxis->range().lower, 0.0);
    EXPECT_GE(charts.accuracyChart(ContinualCharts::Ewc)->xAxis->range().upper, 30.0);

    // Fine-tuning after it, side by side; each task keeps its colour on both charts.
    publisher.method("finetune", kFinetune);
    publisher.flush();
    ASSERT_TRUE(QTest::qWaitFor([&] { return finetuneMap->valueCount() == 9; }, 5000));
    ASSERT_TRUE(QTest::qWaitFor([&] { return charts.accuracyChart(ContinualCharts::Finetune)->graphCount() == 3; }, 5000));
    expectMatrixRows(finetuneMap, kFinetune, 3);
    expectTaskLines(charts, ContinualCharts::Finetune, kFinetune);
    for (int j = 0; j < 3; ++j) {
        EXPECT_EQ(charts.taskLine(ContinualCharts::Ewc, j)->pen().color(), charts.taskLine(ContinualCharts::Finetune, j)->pen().color())
            << j;
        if (j > 0) {
            EXPECT_NE(charts.taskLine(ContinualCharts::Finetune, j)->pen().color(),
                      charts.taskLine(ContinualCharts::Finetune, j - 1)->pen().color());
        }
    }
    // Fine-tuning has no Fisher: the bars still show EWC's.
    EXPECT_EQ(charts.fisher()->taskCount(), 3);

    // At this size the cells are large enough to carry their values; squeezed, they are not.
    charts.matrix(ContinualCharts::Ewc)->replot();
    EXPECT_TRUE(ewcMap->showsCellText());
    charts.matrix(ContinualCharts::Ewc)->setFixedSize(120, 90);
    ASSERT_TRUE(QTest::qWaitFor([&] { return !ewcMap->showsCellText(); }, 5000));
    charts.matrix(ContinualCharts::Ewc)->setMinimumSize(0, 0);
    charts.matrix(ContinualCharts::Ewc)->setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX);

    // The next job (a newer run) replaces everything; without the baseline the fine-tune charts
    // say so.
    charts.followRun(6, 2, false);
    EXPECT_EQ(ewcMap->tasks(), 2);
    EXPECT_EQ(ewcMap->valueCount(), 0);
    EXPECT_EQ(finetuneMap->tasks(), 0);
    EXPECT_TRUE(finetuneMap->placeholder()->text().contains("no fine-tune baseline"));
    EXPECT_TRUE(finetuneMap->placeholder()->visible());
    EXPECT_EQ(charts.accuracyChart(ContinualCharts::Ewc)->graphCount(), 0);
    EXPECT_TRUE(charts.taskMarkers(ContinualCharts::Ewc).empty());
    EXPECT_EQ(charts.fisher()->shownTask(), -1);
    ContinualPublisher next(bus, 6);
    next.task("ewc", {{0.8, 0.1}, {0.7, 0.9}}, 0);
    next.flush();
    ASSERT_TRUE(QTest::qWaitFor([&] { return ewcMap->valueCount() == 2; }, 5000));
    EXPECT_DOUBLE_EQ(*ewcMap->cell(0, 0), 0.8);
    EXPECT_EQ(charts.run(), 6);
    EXPECT_EQ(charts.accuracyChart(ContinualCharts::Ewc)->graphCount(), 1);
    EXPECT_EQ(charts.fisher()->shownTask(), 0);
}

TEST(ContinualCharts, ARunSeenBeforeItsIdArrivesGrowsItsMatrix) {
    profiler::MetricBus bus;
    ContinualCharts charts(bus);
    // The first samples arrive before the page learns the run and its size.
    ContinualPublisher publisher(bus, 9);
    publisher.task("ewc", kEwc, 0);
    publisher.flush();
    ASSERT_TRUE(QTest::qWaitFor([&] { return charts.matrix(ContinualCharts::Ewc)->valueCount() == 3; }, 5000));
    EXPECT_EQ(charts.run(), 9);
    EXPECT_EQ(charts.matrix(ContinualCharts::Ewc)->tasks(), 3);  // the row names every task
    charts.followRun(9, 4, true);
    EXPECT_EQ(charts.matrix(ContinualCharts::Ewc)->tasks(), 4);
    EXPECT_EQ(charts.matrix(ContinualCharts::Finetune)->tasks(), 4);
    // What was drawn stays.
    EXPECT_EQ(charts.matrix(ContinualCharts::Ewc)->valueCount(), 3);
    EXPECT_DOUBLE_EQ(*charts.matrix(ContinualCharts::Ewc)->cell(0, 2), kEwc[0][2]);
    EXPECT_EQ(charts.matrix(ContinualCharts::Ewc)->cellText(0, 0), "0.95");
    EXPECT_NE(charts.taskLine(ContinualCharts::Ewc, 0), nullptr);
    EXPECT_EQ(charts.taskMarkers(ContinualCharts::Ewc).size(), 1u);
}

TEST(ContinualPage, DrawsAPastRunAgainFromTheHistory) {
    sparq::test::ScratchWorkbench scratch;
    ui::Workbench& wb = scratch.wb;
    const profiler::RunId cancelled = addContinualRun(wb, "cancelled");
    const profiler::RunId run = addContinualRun(wb);  // the newest: on show first

    // A page made now has seen none of it live.
    ui::ContinualPage page(&wb);
    ASSERT_NO_FATAL_FAILURE(sparq::test::expectPastRunOnShow(page, run, "EWC 90.67 %"));

    // The card, from the run's summary JSON.
    EXPECT_EQ(page.card()->cell(ContinualResultCard::Ewc, ContinualResultCard::AverageAccuracy)->text(), "90.67 %");
    EXPECT_TRUE(page.card()->meetsTargets());

    // The charts, from the stored series.
    const ContinualCharts* charts = page.charts();
    expectMatrixRows(charts->matrix(ContinualCharts::Ewc), kEwc, 3);
    expectMatrixRows(charts->matrix(ContinualCharts::Finetune), kFinetune, 3);
    expectTaskLines(*charts, ContinualCharts::Ewc, kEwc);
    expectTaskLines(*charts, ContinualCharts::Finetune, kFinetune);
    expectFisherBars(charts->fisher(), 2);  // the latest task, parameters in the network's order

    // The cancelled run: the card says so, and its charts are drawn all the same.
    ASSERT_NO_FATAL_FAILURE(sparq::test::expectCancelledRunDrawn(page, cancelled));
    expectMatrixRows(charts->matrix(ContinualCharts::Ewc), kEwc, 3);
}

TEST(ContinualPage, ContinualViewInTheMainWindow) {
    sparq::test::ScratchWorkbench scratch;
    const profiler::RunId run = addContinualRun(scratch.wb);

    ui::MainWindow window(&scratch.wb);
    ASSERT_TRUE(sparq::test::showActive(window, QSize(1600, 1000)));
    ui::ContinualPage* page = window.continualPage();
    sparq::test::expectTechniqueView<engine::ContinualSpec>(window, ui::MainWindow::ContinualView, page, run, scratch.wb,
                                                            "ewc: task 1/3 done, accuracy on it 0.95");
    EXPECT_TRUE(page->card()->hasResult());
    EXPECT_EQ(page->charts()->matrix(ContinualCharts::Ewc)->valueCount(), 9);
    EXPECT_EQ(page->charts()->fisher()->bars()->dataCount(), 4);
    sparq::test::saveScreenshot(window, "SPARQ_CONTINUAL_SCREENSHOT");
}

TEST(ContinualPage, JobFromTheFormStreamsItsChartsAndFillsTheCard) {
    SPARQ_REQUIRE_FASHION_MNIST();
    sparq::test::ScratchWorkbench scratch(sparq::test::fashion_mnist_dir());
    ui::Workbench& wb = scratch.wb;
    ui::ContinualPage page(&wb);

    // Two permuted tasks of 1000 training and 300 test images, a small network.
    ui::ContinualForm* form = page.form();
    form->tasksSpin()->setValue(2);
    form->hiddenEdit()->setText("100");
    form->limitTrainSpin()->setValue(1000);
    form->limitTestSpin()->setValue(300);
    form->fisherSamplesSpin()->setValue(200);
    ASSERT_TRUE(form->isValid()) << form->error().toStdString();
    engine::JobEnd end;
    ASSERT_NO_FATAL_FAILURE(
        sparq::test::runJobFromTheForm(page, wb, ui::Workbench::JobKind::Continual, form->tasksSpin(), 300000, end));
    const auto* result = wb.lane(ui::Workbench::JobKind::Continual)->result<engine::ContinualResult>();
    ASSERT_NE(result, nullptr);

    // The card and the charts, from what the history stored.
    EXPECT_EQ(page.card()->cell(ContinualResultCard::Ewc, ContinualResultCard::AverageAccuracy)->text(),
              QString("%1 %").arg(result->ewc.metrics.average_accuracy * 100.0, 0, 'f', 2));
    EXPECT_TRUE(page.card()->showsFinetune());
    const ContinualCharts* charts = page.charts();
    for (ContinualCharts::Method m : {ContinualCharts::Ewc, ContinualCharts::Finetune}) {
        const ui::AccuracyMatrixMap* map = charts->matrix(m);
        EXPECT_EQ(map->tasks(), 2);
        EXPECT_EQ(map->valueCount(), 4) << m;
        // 1000 images in batches of 128: 8 steps a task.
        const auto& markers = charts->taskMarkers(m);
        ASSERT_EQ(markers.size(), 2u);
        EXPECT_DOUBLE_EQ(markers[0].step, 0.0);
        EXPECT_DOUBLE_EQ(markers[1].step, 8.0);
        ASSERT_NE(charts->taskLine(m, 0), nullptr);
        EXPECT_EQ(keys(charts->taskLine(m, 0)), (std::vector<double>{8, 16}));
        EXPECT_EQ(keys(charts->taskLine(m, 1)), (std::vector<double>{16}));
        // The diagonal: each task just after it was learned, as the matrix has it.
        EXPECT_DOUBLE_EQ(values(charts->taskLine(m, 1)).back(), *map->cell(1, 1));
        EXPECT_DOUBLE_EQ(values(charts->taskLine(m, 0)).front(), *map->cell(0, 0));
    }
    // The EWC average accuracy is the mean of the last row.
    const ui::AccuracyMatrixMap* ewc = charts->matrix(ContinualCharts::Ewc);
    EXPECT_NEAR((*ewc->cell(1, 0) + *ewc->cell(1, 1)) / 2, result->ewc.metrics.average_accuracy, 1e-9);
    EXPECT_EQ(charts->fisher()->params(), QStringList({"fc0.weight", "fc0.bias", "fc1.weight", "fc1.bias"}));
    EXPECT_EQ(charts->fisher()->shownTask(), 1);
    EXPECT_EQ(charts->fisher()->bars()->dataCount(), 4);
}
