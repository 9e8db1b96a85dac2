// Distill view: the result card filled from a distillation run's summary JSON, the form's
// fields checked by the engine's validate(), the live charts fed through the bus (loss terms,
// alpha and temperature, agreement, the students' accuracy, stage boundaries, one line per
// seed), a past run drawn again from the series the history stored, the view in the main
// window (Ctrl+6), and (with Fashion-MNIST installed) a job started from the form.
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <qcustomplot.h>

#include "distill/distillcharts.h"
#include "distill/distillform.h"
#include "distill/distillpage.h"
#include "distill/distillresultcard.h"
#include "common/errorlabel.h"
#include "core/joblane.h"
#include "core/mainwindow.h"
#include "page_test_support.h"
#include "common/modelsourcepicker.h"
#include "sparq/engine/distill.h"
#include "sparq/engine/train.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"
#include "sparq/profiler/sample.h"
#include "core/workbench.h"

using namespace sparq;
using sparq::ui::DistillResultCard;
using sparq::ui::DistillCharts;

using sparq::test::keys;
using sparq::test::textColor;
using sparq::test::toObject;

namespace {

// The figures of BENCHMARKS.md's 5k-label row.
engine::DistillResult distillResult(std::int64_t run) {
    engine::DistillResult r;
    r.run_id = run;
    r.status = "completed";
    r.teacher_accuracy = 0.9071;
    r.student_accuracy = 0.8614;
    r.student_accuracy_std = 0.0018;
    r.logit_only_accuracy = 0.8612;
    r.logit_only_accuracy_std = 0.0020;
    r.student_alone_accuracy = 0.8352;
    r.student_alone_accuracy_std = 0.0022;
    r.ratio = r.student_accuracy / r.teacher_accuracy;  // 0.94962: under 0.96
    r.gap_recovered = (r.student_accuracy - r.student_alone_accuracy) / (r.teacher_accuracy - r.student_alone_accuracy);
    r.teacher_params = 421738;
    r.student_params = 50890;
    r.labelled = 5000;
    r.seeds = 3;
    r.steps = 2814;
    r.wall_s = 612.5;
    return r;
}


// Publishes what a distillation job streams for one seed, in the engine's order: the
// three-stage student (stage 1 hint loss, stages 2 and 3 the KD terms), then the logit-only
// and the labels-only baselines; every student's test accuracy at the end of each epoch.
// `steps` optimizer steps per stage.
class DistillPublisher : public sparq::test::SeriesPublisher {
public:
    using SeriesPublisher::SeriesPublisher;

    void seed(int steps, bool baselines) {
        for (int step = 0; step < 3 * steps; ++step) {
            const int stage = 1 + step / steps;
            if (step % steps == 0) publish("distill/stage", step, stage);
            if (stage == 1) {
                publish("distill/hint_loss", step, 1.0 / (1 + step));
            } else {
                kdTerms("", step, stage == 2 ? 0.7 : 0.55);
            }
            if ((step + 1) % steps == 0) publish("distill/student_accuracy", step + 1, 0.8 + 0.01 * stage);
        }
        if (!baselines) return;
        publish("logit_only/distill/stage", 0, 2);
        for (int step = 0; step < 3 * steps; ++step) {
            kdTerms("logit_only/", step, 0.7);
            publish("alone/distill/ce_loss", step, 0.6);
            if ((step + 1) % steps == 0) {
                publish("logit_only/distill/student_accuracy", step + 1, 0.79 + 0.01 * (step + 1) / steps);
                publish("alone/distill/student_accuracy", step + 1, 0.75 + 0.01 * (step + 1) / steps);
            }
        }
    }
private:
    void kdTerms(const std::string& prefix, int step, double alpha) {
        publish(prefix + "distill/kd_loss", step, 2.0 / (1 + step));
        publish(prefix + "distill/ce_loss", step, 0.5);
        publish(prefix + "distill/alpha", step, alpha);
        publish(prefix + "distill/temperature", step, 4.0);
        publish(prefix + "distill/agreement", step, 0.9);
    }
};

// A finished distillation run in the history with `seeds` seeds of streamed series.
profiler::RunId addDistillRun(ui::Workbench& wb, int seeds, const std::string& status = "completed") {
    profiler::RunStore& store = wb.store();
    engine::DistillSpec spec;
    spec.seeds = seeds;
    const profiler::RunId id = store.create_run({"student-fashion from cnn-fashion", "distill", "student-fashion",
                                                 engine::to_json(spec)});
    DistillPublisher publisher(wb.bus(), std::uint32_t(id));
    for (int s = 0; s < seeds; ++s) publisher.seed(10, true);
    publisher.flush();
    engine::DistillResult r = distillResult(id);
    r.status = status;
    r.seeds = seeds;
    store.finish_run(id, status, engine::to_json(r),
                     status == "completed" ? std::optional<double>(r.student_accuracy) : std::nullopt);
    store.flush();
    return id;
}

double lastValue(const QCPGraph* g) { return (g->data()->constEnd() - 1)->value; }

// The stage markers as (stage, step), and whether each has a line and a label on every chart.
void expectMarkers(const DistillCharts& charts, const std::vector<std::pair<int, double>>& expected) {
    const auto& markers = charts.stageMarkers();
    ASSERT_EQ(markers.size(), expected.size());
    for (std::size_t i = 0; i < markers.size(); ++i) {
        EXPECT_EQ(markers[i].stage, expected[i].first) << i;
        EXPECT_DOUBLE_EQ(markers[i].step, expected[i].second) << i;
        for (int c = 0; c < DistillCharts::ChartCount; ++c) {
            const QCPItemStraightLine* line = markers[i].lines[std::size_t(c)];
            ASSERT_NE(line, nullptr);
            EXPECT_TRUE(charts.chart(DistillCharts::Chart(c))->hasItem(const_cast<QCPItemStraightLine*>(line)));
            // Vertical: both points at the marker's step.
            EXPECT_DOUBLE_EQ(line->point1->coords().x(), expected[i].second);
            EXPECT_DOUBLE_EQ(line->point2->coords().x(), expected[i].second);
            EXPECT_NE(line->point1->coords().y(), line->point2->coords().y());
            EXPECT_EQ(markers[i].labels[std::size_t(c)]->text(), QString("stage %1").arg(expected[i].first));
        }
    }
}

}  // namespace

TEST(DistillResultCard, FillsFromASummaryAndColoursTheTargetsMet) {
    DistillResultCard card;
    EXPECT_FALSE(card.hasResult());
    ASSERT_TRUE(card.setSummary(toObject(engine::to_json(distillResult(12)))));
    EXPECT_TRUE(card.hasResult());
    EXPECT_TRUE(card.showsBaselines());
    EXPECT_TRUE(card.headline()->text().contains("Run 12")) << card.headline()->text().toStdString();
    EXPECT_TRUE(card.headline()->text().contains(QLocale().toString(5000)));
    EXPECT_TRUE(card.headline()->text().contains("3 seeds"));

    EXPECT_EQ(card.cell(DistillResultCard::Teacher, DistillResultCard::Accuracy)->text(), "90.71 %");
    EXPECT_EQ(card.cell(DistillResultCard::ThreeStage, DistillResultCard::Accuracy)->text(), "86.14 % ± 0.18");
    EXPECT_EQ(card.cell(DistillResultCard::LogitOnly, DistillResultCard::Accuracy)->text(), "86.12 % ± 0.20");
    EXPECT_EQ(card.cell(DistillResultCard::Alone, DistillResultCard::Accuracy)->text(), "83.52 % ± 0.22");
    EXPECT_EQ(card.cell(DistillResultCard::Teacher, DistillResultCard::Params)->text(), QLocale().toString(421738));
    for (DistillResultCard::Row row : {DistillResultCard::ThreeStage, DistillResultCard::LogitOnly, DistillResultCard::Alone})
        EXPECT_EQ(card.cell(row, DistillResultCard::Params)->text(), QLocale().toString(50890)) << row;
    EXPECT_EQ(card.cell(DistillResultCard::ThreeStage, DistillResultCard::OfTeacher)->text(), "94.96 %");
    EXPECT_EQ(card.cell(DistillResultCard::Alone, DistillResultCard::OfTeacher)->text(), "92.07 %");
    EXPECT_EQ(card.cell(DistillResultCard::Teacher, DistillResultCard::OfTeacher)->text(), "—");
    EXPECT_EQ(card.cell(DistillResultCard::Teacher, DistillResultCard::OverAlone)->text(), "+7.19 points");
    EXPECT_EQ(card.cell(DistillResultCard::ThreeStage, DistillResultCard::OverAlone)->text(), "+2.62 points");
    EXPECT_EQ(card.cell(DistillResultCard::LogitOnly, DistillResultCard::OverAlone)->text(), "+2.60 points");
    EXPECT_EQ(card.cell(DistillResultCard::Alone, DistillResultCard::OverAlone)->text(), "—");
    EXPECT_TRUE(card.footer()->text().contains("Gap recovered 36.44 %")) << card.footer()->text().toStdString();

    // 2.62 points over the student alone meets the 2-point target; 94.96 % of the teacher is
    // under 96 %.
    const QColor green = DistillResultCard::targetMetColor();
    EXPECT_TRUE(card.gainMeetsTarget());
    EXPECT_EQ(textColor(card.cell(DistillResultCard::ThreeStage, DistillResultCard::OverAlone)), green);
    EXPECT_FALSE(card.ratioMeetsTarget());
    EXPECT_NE(textColor(card.cell(DistillResultCard::ThreeStage, DistillResultCard::OfTeacher)), green);

    // Full labels, no baselines: the baseline rows say so, and 97 % of the teacher meets the
    // ratio target.
    engine::DistillResult solo = distillResult(13);
    solo.seeds = 1;
    solo.logit_only_accuracy = solo.student_alone_accuracy = 0;
    solo.gap_recovered = 0;
    solo.student_accuracy = 0.88;
    solo.ratio = 0.88 / 0.9071;
    ASSERT_TRUE(card.setSummary(toObject(engine::to_json(solo))));
    EXPECT_FALSE(card.showsBaselines());
    EXPECT_EQ(card.cell(DistillResultCard::ThreeStage, DistillResultCard::Accuracy)->text(), "88.00 %");  // no ± with one seed
    EXPECT_EQ(card.cell(DistillResultCard::LogitOnly, DistillResultCard::Accuracy)->text(), "not trained");
    EXPECT_EQ(card.cell(DistillResultCard::Alone, DistillResultCard::Accuracy)->text(), "not trained");
    EXPECT_EQ(card.cell(DistillResultCard::ThreeStage, DistillResultCard::OverAlone)->text(), "—");
    EXPECT_TRUE(card.ratioMeetsTarget());
    EXPECT_EQ(textColor(card.cell(DistillResultCard::ThreeStage, DistillResultCard::OfTeacher)), green);
    EXPECT_FALSE(card.gainMeetsTarget());
    EXPECT_TRUE(card.footer()->text().contains("No baselines"));

    // A cancelled run has no result: blanked, and said so.
    engine::DistillResult cancelled;
    cancelled.run_id = 14;
    cancelled.status = "cancelled";
    EXPECT_FALSE(card.setSummary(toObject(engine::to_json(cancelled))));
    EXPECT_FALSE(card.hasResult());
    EXPECT_TRUE(card.headline()->text().contains("cancelled"));
    EXPECT_TRUE(card.headline()->text().contains("14"));
    EXPECT_EQ(card.cell(DistillResultCard::ThreeStage, DistillResultCard::Accuracy)->text(), "—");
    EXPECT_FALSE(card.ratioMeetsTarget());
    EXPECT_NE(textColor(card.cell(DistillResultCard::ThreeStage, DistillResultCard::OfTeacher)), green);
}

TEST(DistillPage, FormDefaultsAndTheEnginesValidation) {
    sparq::test::ScratchWorkbench scratch;
    ui::Workbench& wb = scratch.wb;
    const profiler::RunId trained = wb.store().create_run({"cnn teacher", "train", "cnn-fashion", "{}"});
    wb.store().add_artifact(trained, "checkpoint", "/tmp/runs/1/checkpoint.pt", 1000);
    wb.store().finish_run(trained, "completed", "{}", 0.9071);
    wb.store().flush();

    ui::DistillPage page(&wb);
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.runLoads() > 0; }, 10000));
    ui::DistillForm* form = page.form();

    // The defaults are the engine's (cnn-fashion teacher trained first, student-fashion).
    engine::DistillSpec spec = page.spec();
    const engine::DistillSpec defaults;
    EXPECT_EQ(spec.teacher_preset, "cnn-fashion");
    EXPECT_TRUE(spec.teacher_checkpoint.empty());
    EXPECT_EQ(spec.student_preset, "student-fashion");
    EXPECT_EQ(spec.labelled, 60000);
    EXPECT_EQ(spec.seeds, 1);
    EXPECT_EQ(spec.stage1_epochs, defaults.stage1_epochs);
    EXPECT_EQ(spec.stage2_epochs, defaults.stage2_epochs);
    EXPECT_EQ(spec.stage3_epochs, defaults.stage3_epochs);
    EXPECT_EQ(spec.hint_loss, "mse");
    EXPECT_DOUBLE_EQ(spec.alpha, defaults.alpha);
    EXPECT_DOUBLE_EQ(spec.temperature, defaults.temperature);
    EXPECT_DOUBLE_EQ(spec.agreement_discount, defaults.agreement_discount);
    EXPECT_TRUE(spec.baselines);
    EXPECT_TRUE(form->isValid());
    EXPECT_TRUE(form->errorLabel()->isHidden());
    EXPECT_TRUE(page.startButton()->isEnabled());
    EXPECT_FALSE(page.stopButton()->isEnabled());

    // No labelled image: the engine's message under the form, and no start.
    form->labelledSpin()->setValue(0);
    EXPECT_FALSE(form->isValid());
    EXPECT_FALSE(form->errorLabel()->isHidden());
    EXPECT_EQ(form->errorLabel()->text(), "distill: 'labelled' = 0 is out of range [1, 1e+09]");
    EXPECT_EQ(form->errorLabel()->text(), ui::Workbench::validationError(page.spec()));
    EXPECT_FALSE(page.startButton()->isEnabled());
    EXPECT_EQ(page.startButton()->toolTip(), form->errorLabel()->text());
    page.startJob();
    EXPECT_FALSE(wb.isRunning());
    form->labelledSpin()->setValue(5000);
    EXPECT_TRUE(form->isValid());
    EXPECT_TRUE(form->errorLabel()->isHidden());
    EXPECT_TRUE(page.startButton()->isEnabled());
    EXPECT_EQ(page.spec().labelled, 5000);

    // A temperature of 0, then no epoch in any stage.
    form->temperatureSpin()->setValue(0.0);
    EXPECT_FALSE(form->isValid());
    EXPECT_TRUE(form->errorLabel()->text().contains("temperature")) << form->errorLabel()->text().toStdString();
    form->temperatureSpin()->setValue(2.5);
    EXPECT_TRUE(form->isValid());
    for (int stage = 1; stage <= 3; ++stage) form->stageEpochsSpin(stage)->setValue(0);
    EXPECT_FALSE(form->isValid());
    EXPECT_TRUE(form->errorLabel()->text().contains("stage epochs")) << form->errorLabel()->text().toStdString();
    EXPECT_FALSE(page.startButton()->isEnabled());
    form->stageEpochsSpin(2)->setValue(1);
    EXPECT_TRUE(form->isValid());

    // The other fields reach the spec.
    form->hintLossCombo()->setCurrentText("cosine");
    form->alphaSpin()->setValue(0.4);
    form->discountSpin()->setValue(0.25);
    form->seedsSpin()->setValue(3);
    form->baselinesCheck()->setChecked(false);
    form->studentCombo()->setCurrentText("mlp-fashion");
    spec = page.spec();
    EXPECT_EQ(spec.hint_loss, "cosine");
    EXPECT_DOUBLE_EQ(spec.alpha, 0.4);
    EXPECT_DOUBLE_EQ(spec.temperature, 2.5);
    EXPECT_DOUBLE_EQ(spec.agreement_discount, 0.25);
    EXPECT_EQ(spec.seeds, 3);
    EXPECT_EQ(spec.stage1_epochs, 0);
    EXPECT_EQ(spec.stage2_epochs, 1);
    EXPECT_FALSE(spec.baselines);
    EXPECT_EQ(spec.student_preset, "mlp-fashion");

    // A trained run of the history as the teacher: its checkpoint, no teacher training.
    ASSERT_EQ(form->teacher()->trainedRunCombo()->count(), 1);
    ASSERT_TRUE(form->teacher()->selectTrainedRun(trained));
    spec = page.spec();
    EXPECT_EQ(spec.teacher_checkpoint, "/tmp/runs/1/checkpoint.pt");
    EXPECT_FALSE(form->teacherEpochsSpin()->isEnabled());
    EXPECT_TRUE(ui::Workbench::validationError(spec).isEmpty());
    EXPECT_TRUE(page.startButton()->isEnabled());
}

TEST(DistillCharts, DrawsEveryTermLiveWithTheStageBoundaries) {
    profiler::MetricBus bus;
    DistillCharts charts(bus);
    DistillPublisher publisher(bus, 5);
    publisher.seed(10, true);
    publisher.flush();
    ASSERT_TRUE(QTest::qWaitFor([&] { return charts.pointCount("alone/distill/student_accuracy") == 3; }, 5000));
    EXPECT_EQ(charts.run(), 5);
    EXPECT_FALSE(charts.showsRecorded());
    EXPECT_TRUE(charts.caption()->text().contains("live"));

    // Stage boundaries where distill/stage changed (not the logit-only baseline's stage).
    expectMarkers(charts, {{1, 0.0}, {2, 10.0}, {3, 20.0}});

    // Loss terms over the optimizer step: hint in stage 1, KD and CE from stage 2 on.
    const QCPGraph* hint = charts.graph("distill/hint_loss");
    ASSERT_NE(hint, nullptr);
    EXPECT_EQ(hint->parentPlot(), charts.chart(DistillCharts::Losses));
    EXPECT_EQ(keys(hint), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_DOUBLE_EQ(lastValue(hint), 0.1);
    EXPECT_EQ(charts.pointCount("distill/kd_loss"), 20);
    EXPECT_EQ(charts.graph("distill/kd_loss")->data()->constBegin()->key, 10.0);
    EXPECT_EQ(charts.graph("distill/ce_loss")->parentPlot(), charts.chart(DistillCharts::Losses));
    EXPECT_EQ(charts.chart(DistillCharts::Losses)->graphCount(), 3);

    // Alpha (0.7 in stage 2, adapted in stage 3) on the left, the temperature on the right.
    const QCPGraph* alpha = charts.graph("distill/alpha");
    const QCPGraph* temperature = charts.graph("distill/temperature");
    EXPECT_EQ(alpha->valueAxis(), charts.chart(DistillCharts::Weighting)->yAxis);
    EXPECT_EQ(temperature->valueAxis(), charts.chart(DistillCharts::Weighting)->yAxis2);
    EXPECT_DOUBLE_EQ(alpha->data()->constBegin()->value, 0.7);
    EXPECT_DOUBLE_EQ(lastValue(alpha), 0.55);
    EXPECT_DOUBLE_EQ(lastValue(temperature), 4.0);
    EXPECT_EQ(charts.pointCount("distill/agreement"), 20);
    EXPECT_EQ(charts.pointCount("logit_only/distill/agreement"), 30);
    EXPECT_DOUBLE_EQ(charts.chart(DistillCharts::Agreement)->yAxis->range().lower, 0.0);  // a share: the whole scale
    EXPECT_DOUBLE_EQ(charts.chart(DistillCharts::Agreement)->yAxis->range().upper, 1.05);

    // The three students' accuracy side by side, once per epoch.
    QCustomPlot* accuracy = charts.chart(DistillCharts::Accuracy);
    EXPECT_EQ(accuracy->graphCount(), 3);
    for (const char* s : {"distill/student_accuracy", "logit_only/distill/student_accuracy",
                          "alone/distill/student_accuracy"}) {
        ASSERT_NE(charts.graph(s), nullptr) << s;
        EXPECT_EQ(charts.graph(s)->parentPlot(), accuracy) << s;
        EXPECT_EQ(keys(charts.graph(s)), (std::vector<double>{10, 20, 30})) << s;
    }
    EXPECT_DOUBLE_EQ(lastValue(charts.graph("distill/student_accuracy")), 0.83);
    EXPECT_DOUBLE_EQ(lastValue(charts.graph("alone/distill/student_accuracy")), 0.78);
    EXPECT_GE(accuracy->xAxis->range().upper, 30.0);

    // A second seed starts over at step 0: a line of its own, the same stage boundaries.
    publisher.seed(10, true);
    publisher.flush();
    ASSERT_TRUE(QTest::qWaitFor([&] { return charts.pointCount("alone/distill/student_accuracy") == 6; }, 5000));
    EXPECT_EQ(charts.lineCount("distill/hint_loss"), 2);
    EXPECT_EQ(charts.pointCount("distill/hint_loss"), 20);
    EXPECT_EQ(charts.lineCount("distill/student_accuracy"), 2);
    EXPECT_EQ(keys(charts.graph("distill/hint_loss")).size(), 10u);
    expectMarkers(charts, {{1, 0.0}, {2, 10.0}, {3, 20.0}});

    // The next job (a newer run) replaces everything; a job without stage 1 has no stage-1 line.
    profiler::Producer out = bus.make_producer();
    out.publish(6, bus.series().intern("distill/stage"), 0, 2);
    out.publish(6, bus.series().intern("distill/kd_loss"), 0, 1.5);
    bus.flush();
    ASSERT_TRUE(QTest::qWaitFor([&] { return charts.run() == 6 && charts.pointCount("distill/kd_loss") == 1; }, 5000));
    EXPECT_EQ(charts.lineCount("distill/hint_loss"), 1);
    EXPECT_EQ(charts.pointCount("distill/hint_loss"), 0);
    EXPECT_EQ(charts.pointCount("alone/distill/student_accuracy"), 0);
    expectMarkers(charts, {{2, 0.0}});
}

TEST(DistillPage, DrawsAPastRunAgainFromTheHistory) {
    sparq::test::ScratchWorkbench scratch;
    ui::Workbench& wb = scratch.wb;
    const profiler::RunId cancelled = addDistillRun(wb, 1, "cancelled");
    const profiler::RunId run = addDistillRun(wb, 2);  // the newest: on show first

    // A page made now has seen none of it live.
    ui::DistillPage page(&wb);
    ASSERT_NO_FATAL_FAILURE(sparq::test::expectPastRunOnShow(page, run, "student 86.14 %"));

    // The card, from the run's summary JSON.
    EXPECT_EQ(page.card()->cell(DistillResultCard::ThreeStage, DistillResultCard::Accuracy)->text(), "86.14 % ± 0.18");

    // The charts, from the stored series: both seeds, each its own line, and the stages.
    const DistillCharts* charts = page.charts();
    expectMarkers(*charts, {{1, 0.0}, {2, 10.0}, {3, 20.0}});
    EXPECT_EQ(charts->lineCount("distill/hint_loss"), 2);
    EXPECT_EQ(charts->pointCount("distill/hint_loss"), 20);
    EXPECT_EQ(keys(charts->graph("distill/hint_loss")), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(charts->pointCount("distill/kd_loss"), 40);
    EXPECT_EQ(charts->pointCount("distill/temperature"), 40);
    EXPECT_EQ(charts->pointCount("logit_only/distill/agreement"), 60);
    for (const char* s : {"distill/student_accuracy", "logit_only/distill/student_accuracy",
                          "alone/distill/student_accuracy"}) {
        EXPECT_EQ(charts->lineCount(s), 2) << s;
        EXPECT_EQ(keys(charts->graph(s)), (std::vector<double>{10, 20, 30})) << s;
    }

    // The cancelled run: the card says so, and its charts are drawn all the same.
    ASSERT_NO_FATAL_FAILURE(sparq::test::expectCancelledRunDrawn(page, cancelled));
    EXPECT_EQ(charts->lineCount("distill/hint_loss"), 1);
    EXPECT_EQ(charts->pointCount("distill/hint_loss"), 10);
    expectMarkers(*charts, {{1, 0.0}, {2, 10.0}, {3, 20.0}});
}

TEST(DistillPage, DistillViewInTheMainWindow) {
    sparq::test::ScratchWorkbench scratch;
    const profiler::RunId run = addDistillRun(scratch.wb, 1);

    ui::MainWindow window(&scratch.wb);
    ASSERT_TRUE(sparq::test::showActive(window));
    ui::DistillPage* page = window.distillPage();
    sparq::test::expectTechniqueView<engine::DistillSpec>(window, ui::MainWindow::DistillView, page, run, scratch.wb,
                                                          "seed 1: three-stage student");
    EXPECT_TRUE(page->card()->hasResult());
    EXPECT_EQ(page->charts()->stageMarkers().size(), 3u);
    sparq::test::saveScreenshot(window, "SPARQ_DISTILL_SCREENSHOT");
}

TEST(DistillPage, JobFromTheFormStreamsItsChartsAndFillsTheCard) {
    SPARQ_REQUIRE_FASHION_MNIST();
    sparq::test::ScratchWorkbench scratch(sparq::test::fashion_mnist_dir());
    ui::Workbench& wb = scratch.wb;
    ui::DistillPage page(&wb);

    // A small teacher, trained from the workbench.
    const engine::TrainResult teacher = sparq::test::trainSmallMlp(wb);
    ASSERT_EQ(teacher.status, engine::JobStatus::Completed) << teacher.error;
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.form()->teacher()->selectTrainedRun(teacher.run_id); }, 15000));

    // One epoch per stage; no baselines, which would train two more students the same way (the
    // synthetic tests above draw theirs).
    ui::DistillForm* form = page.form();
    for (int stage = 1; stage <= 3; ++stage) form->stageEpochsSpin(stage)->setValue(1);
    form->baselinesCheck()->setChecked(false);
    ASSERT_TRUE(form->isValid()) << form->error().toStdString();
    engine::JobEnd end;
    ASSERT_NO_FATAL_FAILURE(
        sparq::test::runJobFromTheForm(page, wb, ui::Workbench::JobKind::Distill, form->labelledSpin(), 600000, end));
    const auto* result = wb.lane(ui::Workbench::JobKind::Distill)->result<engine::DistillResult>();
    ASSERT_NE(result, nullptr);

    // The card and the charts, from what the history stored.
    EXPECT_FALSE(page.card()->showsBaselines());
    EXPECT_EQ(page.card()->cell(DistillResultCard::ThreeStage, DistillResultCard::Accuracy)->text(),
              QString("%1 %").arg(result->student_accuracy * 100.0, 0, 'f', 2));
    const DistillCharts* charts = page.charts();
    const auto& markers = charts->stageMarkers();
    ASSERT_EQ(markers.size(), 3u);
    EXPECT_DOUBLE_EQ(markers[0].step, 0.0);
    const double epochSteps = markers[1].step;  // 60000 images in batches of 128
    EXPECT_DOUBLE_EQ(epochSteps, 469.0);
    EXPECT_DOUBLE_EQ(markers[2].step, 2 * epochSteps);
    EXPECT_EQ(charts->pointCount("distill/hint_loss"), int(epochSteps));
    EXPECT_EQ(charts->pointCount("distill/kd_loss"), int(2 * epochSteps));
    EXPECT_GT(charts->pointCount("distill/alpha"), 0);
    EXPECT_GT(charts->pointCount("distill/temperature"), 0);
    EXPECT_GT(charts->pointCount("distill/agreement"), 0);
    EXPECT_EQ(keys(charts->graph("distill/student_accuracy")),
              (std::vector<double>{epochSteps, 2 * epochSteps, 3 * epochSteps}));
    EXPECT_DOUBLE_EQ(lastValue(charts->graph("distill/student_accuracy")), result->student_accuracy);
    EXPECT_EQ(charts->pointCount("logit_only/distill/student_accuracy"), 0);
    EXPECT_EQ(charts->pointCount("alone/distill/student_accuracy"), 0);
    EXPECT_TRUE(page.startButton()->isEnabled());
}
