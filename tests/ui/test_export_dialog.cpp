// Export dialog on a real history with a small MLP trained through the workbench: its
// defaults come from the run and follow the format and precision; a bad setting is named under
// the form and nothing starts; an ONNX FP32 export opened from the History view runs on a
// worker, matches the engine and lands in the history, which refreshes; a dialog closed while
// it exports lets the export end and the History view tells; a Triton repository carries the
// batching typed in; INT8 of a run without an INT8 model quantizes first and says so; a
// failing export is shown in the error colour and leaves nothing at its destination.
#include <gtest/gtest.h>

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTest>

#include "common/errorlabel.h"
#include "export/exportdialog.h"
#include "export/exportresultview.h"
#include "history/historypage.h"
#include "common/joblogview.h"
#include "common/jobprogressbar.h"
#include "page_test_support.h"
#include "sparq/engine/export.h"
#include "sparq/profiler/run_store.h"

using namespace sparq;
using sparq::test::ScratchWorkbench;
using Field = ui::ExportResultView::Field;

// A named namespace, not an anonymous one: gtest derives each test from the fixture, and a
// unity batch would make that a base of internal linkage in a class of external linkage.
namespace export_dialog_test {

// Verification on the first 500 test images keeps each export to seconds.
constexpr int kVerifyImages = 500;

// One trained run for the whole suite: training is the slow part.
class ExportDialogTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!sparq::test::have_fashion_mnist()) return;  // SetUp() skips (or fails under CI) each test
        scratch_ = new ScratchWorkbench(sparq::test::fashion_mnist_dir());
        trained_ = sparq::test::trainSmallMlp(scratch_->wb);
    }
    static void TearDownTestSuite() {
        delete scratch_;
        scratch_ = nullptr;
    }

    void SetUp() override {
        SPARQ_REQUIRE_FASHION_MNIST();
        ASSERT_EQ(trained_.status, engine::JobStatus::Completed) << trained_.error;
        const auto run = profiler::RunReader(db()).run(trained_.run_id);
        ASSERT_TRUE(run.has_value());
        run_ = *run;
    }

    static ui::Workbench& wb() { return scratch_->wb; }
    static std::string db() { return wb().dbPath(); }
    static QString folder() { return scratch_->tmp.path(); }
    QString stem(const char* precision) const { return QString("sparq_mlp_%1_run%2").arg(precision).arg(run_.id); }

    // A shown dialog on the trained run that has looked up the run's models.
    std::unique_ptr<ui::ExportDialog> openDialog(const std::string& dataDir = sparq::test::fashion_mnist_dir()) {
        auto dialog = std::make_unique<ui::ExportDialog>(&wb(), run_, dataDir);
        dialog->show();
        EXPECT_TRUE(QTest::qWaitFor([&] { return dialog->modelsKnown(); }, 10000));
        return dialog;
    }

    // Starts the dialog's export with its Export button and waits for it to end.
    static QList<QVariant> exportThroughTheButton(ui::ExportDialog& dialog) {
        QSignalSpy finished(&dialog, &ui::ExportDialog::exportFinished);
        EXPECT_TRUE(dialog.exportButton()->isEnabled()) << dialog.validationLabel()->text().toStdString();
        dialog.exportButton()->click();
        EXPECT_TRUE(dialog.isExporting());
        // The form is locked and the busy bar runs while the worker exports.
        EXPECT_FALSE(dialog.exportButton()->isEnabled());
        EXPECT_FALSE(dialog.formatCombo()->isEnabled());
        EXPECT_TRUE(dialog.progressBar()->isVisible());
        if (!QTest::qWaitFor([&] { return finished.count() > 0; }, 180000)) return {};
        EXPECT_FALSE(dialog.isExporting());
        EXPECT_TRUE(dialog.formatCombo()->isEnabled());
        return finished.takeFirst();
    }

    static bool logHas(const ui::ExportDialog& dialog, const QString& text) {
        for (int i = 0; i < dialog.logView()->count(); ++i)
            if (dialog.logView()->item(i)->text().contains(text)) return true;
        return false;
    }

    static inline ScratchWorkbench* scratch_ = nullptr;
    static inline engine::TrainResult trained_;
    profiler::RunRecord run_;
};

// Files the export left next to its destination besides `keep` (temporary names, stages).
QStringList leftovers(const QString& dir, const QStringList& keep) {
    QStringList out;
    for (const QString& name : QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot))
        if (!keep.contains(name)) out << name;
    return out;
}

}  // namespace export_dialog_test

using export_dialog_test::ExportDialogTest;
using export_dialog_test::kVerifyImages;
using export_dialog_test::leftovers;

TEST_F(ExportDialogTest, DefaultsComeFromTheRunAndFollowFormatAndPrecision) {
    auto dialog = openDialog();
    const engine::TritonSettings triton;
    EXPECT_EQ(dialog->formatCombo()->currentData().toString(), "onnx");
    EXPECT_EQ(dialog->precisionCombo()->currentData().toString(), "fp32");  // a train run
    EXPECT_EQ(dialog->destinationEdit()->text(), QDir(folder()).filePath(stem("fp32") + ".onnx"));
    EXPECT_EQ(dialog->limitSpin()->value(), 0);
    EXPECT_EQ(dialog->limitSpin()->text(), "all test images");
    EXPECT_FALSE(dialog->tritonGroup()->isVisible());
    EXPECT_FALSE(dialog->int8Note()->isVisible());
    EXPECT_TRUE(dialog->validationError().isEmpty()) << dialog->validationError().toStdString();
    EXPECT_TRUE(dialog->exportButton()->isEnabled());
    EXPECT_FALSE(dialog->validationLabel()->isVisible());

    // The spec the fields describe is the run's (the workbench's history holds it).
    const engine::ExportSpec spec = dialog->spec();
    EXPECT_EQ(spec.run_id, run_.id);
    EXPECT_EQ(spec.out, dialog->destinationEdit()->text().toStdString());

    // INT8: the run has none, so the note says the export quantizes first; the name follows.
    dialog->precisionCombo()->setCurrentIndex(dialog->precisionCombo()->findData("int8"));
    EXPECT_TRUE(dialog->int8Note()->isVisible());
    EXPECT_TRUE(dialog->int8Note()->text().contains("no INT8 model")) << dialog->int8Note()->text().toStdString();
    EXPECT_TRUE(dialog->int8Note()->text().contains("post-training quantization"));
    EXPECT_EQ(dialog->destinationEdit()->text(), QDir(folder()).filePath(stem("int8") + ".onnx"));
    dialog->formatCombo()->setCurrentIndex(dialog->formatCombo()->findData("bundle"));
    EXPECT_EQ(dialog->destinationEdit()->text(), QDir(folder()).filePath(stem("int8") + ".sqb"));

    // Triton: a repository folder, the batching fields from TritonSettings, the benchmark's
    // (here: the defaults') values as placeholders, and the model folder it will write.
    dialog->formatCombo()->setCurrentIndex(dialog->formatCombo()->findData("triton"));
    EXPECT_EQ(dialog->destinationEdit()->text(), QDir(folder()).filePath("model_repository"));
    EXPECT_TRUE(dialog->tritonGroup()->isVisible());
    EXPECT_EQ(dialog->maxBatchSpin()->value(), triton.max_batch_size);
    EXPECT_EQ(dialog->instancesSpin()->value(), triton.instances);
    EXPECT_EQ(dialog->deviceCombo()->currentData().toString().toStdString(), triton.device);
    EXPECT_TRUE(dialog->preferredEdit()->text().isEmpty());
    EXPECT_TRUE(dialog->preferredEdit()->placeholderText().startsWith("16, 64"));
    EXPECT_TRUE(dialog->queueDelayEdit()->text().isEmpty());
    EXPECT_TRUE(dialog->queueDelayEdit()->placeholderText().startsWith("500"));
    EXPECT_EQ(dialog->modelNameEdit()->placeholderText(), stem("int8"));
    EXPECT_TRUE(dialog->destinationHint()->text().contains(stem("int8") + "/ (config.pbtxt"))
        << dialog->destinationHint()->text().toStdString();
    EXPECT_TRUE(dialog->spec().triton.preferred_batch_sizes.empty());  // left to the engine
    EXPECT_EQ(dialog->spec().triton.max_queue_delay_us, -1);

    // A name the user typed survives format changes; a file keeps it with the new suffix.
    dialog->formatCombo()->setCurrentIndex(dialog->formatCombo()->findData("onnx"));
    dialog->destinationEdit()->selectAll();
    QTest::keyClicks(dialog->destinationEdit(), QDir(folder()).filePath("mine.onnx"));
    dialog->precisionCombo()->setCurrentIndex(dialog->precisionCombo()->findData("fp32"));
    EXPECT_EQ(dialog->destinationEdit()->text(), QDir(folder()).filePath("mine.onnx"));
    dialog->formatCombo()->setCurrentIndex(dialog->formatCombo()->findData("bundle"));
    EXPECT_EQ(dialog->destinationEdit()->text(), QDir(folder()).filePath("mine.sqb"));
    EXPECT_FALSE(dialog->isExporting());
}

TEST_F(ExportDialogTest, AnInvalidSettingIsNamedInlineAndNothingStarts) {
    auto dialog = openDialog();
    dialog->formatCombo()->setCurrentIndex(dialog->formatCombo()->findData("triton"));
    const QString repository = dialog->destinationEdit()->text();
    QSignalSpy finished(dialog.get(), &ui::ExportDialog::exportFinished);

    // The engine's own objection (engine::validate), shown as the value is typed.
    QTest::keyClicks(dialog->preferredEdit(), "16, 512");
    EXPECT_TRUE(dialog->validationLabel()->isVisible());
    EXPECT_TRUE(dialog->validationLabel()->text().contains("preferred batch size 512"))
        << dialog->validationLabel()->text().toStdString();
    EXPECT_FALSE(dialog->exportButton()->isEnabled());
    EXPECT_FALSE(dialog->startExport());
    EXPECT_FALSE(dialog->isExporting());

    // A word that is not a number is named.
    dialog->preferredEdit()->setText("16, lots");
    EXPECT_TRUE(dialog->validationLabel()->text().contains("'lots' is not a whole number"))
        << dialog->validationLabel()->text().toStdString();
    EXPECT_FALSE(dialog->startExport());
    dialog->preferredEdit()->setText("16, 512");
    dialog->queueDelayEdit()->setText("-3");
    EXPECT_TRUE(dialog->validationLabel()->text().contains("Max queue delay"));

    // Put right, the objection goes and Export is offered.
    dialog->queueDelayEdit()->clear();
    dialog->maxBatchSpin()->setValue(1024);
    EXPECT_TRUE(dialog->validationError().isEmpty()) << dialog->validationError().toStdString();
    EXPECT_FALSE(dialog->validationLabel()->isVisible());
    EXPECT_TRUE(dialog->exportButton()->isEnabled());

    // No destination, or one of the wrong kind.
    dialog->destinationEdit()->clear();
    EXPECT_TRUE(dialog->validationLabel()->text().contains("Choose where"));
    EXPECT_FALSE(dialog->startExport());
    dialog->formatCombo()->setCurrentIndex(dialog->formatCombo()->findData("onnx"));
    dialog->destinationEdit()->setText(folder());
    EXPECT_TRUE(dialog->validationLabel()->text().contains("is a folder")) << dialog->validationLabel()->text().toStdString();
    EXPECT_FALSE(dialog->startExport());

    QTest::qWait(100);
    EXPECT_EQ(finished.count(), 0);
    EXPECT_FALSE(dialog->progressBar()->isVisible());
    EXPECT_FALSE(QFileInfo::exists(repository));
}

TEST_F(ExportDialogTest, OnnxFp32FromTheHistoryViewMatchesTheEngineAndLandsInTheHistory) {
    ui::HistoryPage page(&wb());
    page.resize(1300, 900);
    page.show();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.loadCount() > 0; }, 30000));

    // Offered for exactly one run that kept a model.
    page.selectRuns({});
    EXPECT_FALSE(page.exportModelAction()->isEnabled());
    ASSERT_EQ(page.selectRuns({run_.id}), 1);
    ASSERT_TRUE(page.exportModelAction()->isEnabled());
    page.exportModelAction()->trigger();
    QPointer<ui::ExportDialog> dialog = page.findChild<ui::ExportDialog*>();
    ASSERT_TRUE(dialog);
    EXPECT_TRUE(dialog->isVisible());
    EXPECT_EQ(dialog->run(), run_.id);
    ASSERT_TRUE(QTest::qWaitFor([&] { return dialog->modelsKnown(); }, 10000));

    dialog->limitSpin()->setValue(kVerifyImages);
    const QString path = dialog->destinationEdit()->text();
    const int loads = page.loadCount();
    const QList<QVariant> end = exportThroughTheButton(*dialog);
    ASSERT_EQ(end.size(), 3) << "the export did not end";
    ASSERT_TRUE(end.at(2).toString().isEmpty()) << end.at(2).toString().toStdString();
    EXPECT_EQ(end.at(0).toLongLong(), run_.id);
    EXPECT_EQ(end.at(1).toString(), path);

    // What the engine reported, and the dialog showing it.
    ASSERT_TRUE(dialog->hasResult());
    const engine::ExportResult& r = dialog->result();
    EXPECT_EQ(r.samples, kVerifyImages);
    EXPECT_EQ(r.argmax_agreement, 1.0);
    EXPECT_LE(r.max_abs_diff, 1e-4);
    EXPECT_EQ(r.images_over_tolerance, 0);
    EXPECT_NEAR(r.test_accuracy, r.engine_test_accuracy, 1e-12);
    ui::ExportResultView* view = dialog->resultView();
    EXPECT_TRUE(view->isVisible());
    EXPECT_FALSE(view->failure()->isVisible());
    EXPECT_TRUE(view->headline()->text().contains("verified"));
    EXPECT_EQ(view->field(Field::Path)->text(), path);
    EXPECT_EQ(view->field(Field::Agreement)->text(), "100.00 %");
    EXPECT_TRUE(view->field(Field::MaxDiff)->text().contains("tolerance 0.0001; 0 images over it"))
        << view->field(Field::MaxDiff)->text().toStdString();
    EXPECT_TRUE(view->field(Field::Samples)->text().startsWith("500 test images"));
    EXPECT_TRUE(view->field(Field::Onnx)->text().contains(QString("opset %1").arg(r.opset)));
    EXPECT_FALSE(view->field(Field::Int8Model)->isVisible());  // FP32
    EXPECT_TRUE(logHas(*dialog, "Exporting run"));
    EXPECT_TRUE(logHas(*dialog, "Exported to " + path));
    sparq::test::saveScreenshot(*dialog, "SPARQ_EXPORT_SCREENSHOT");

    // The file, whole, and nothing beside it.
    ASSERT_TRUE(QFileInfo::exists(path));
    EXPECT_EQ(QFileInfo(path).size(), r.bytes);
    EXPECT_TRUE(leftovers(folder(), {"history.db", "history.db-wal", "history.db-shm", "runs", QFileInfo(path).fileName()})
                    .isEmpty())
        << leftovers(folder(), {}).join(' ').toStdString();
    EXPECT_TRUE(dialog->destinationHint()->text().contains("Replaces"));

    // Registered with the run; the History view says so and reloads.
    const profiler::RunReader reader(db());
    bool artifact = false;
    for (const auto& a : reader.artifacts(run_.id)) artifact |= a.kind == "export-onnx" && a.path == path.toStdString();
    EXPECT_TRUE(artifact);
    bool event = false;
    for (const auto& e : reader.events(run_.id)) event |= e.kind == "export";
    EXPECT_TRUE(event);
    EXPECT_TRUE(page.statusLabel()->text().contains(QString("Run %1 exported to").arg(run_.id)))
        << page.statusLabel()->text().toStdString();
    EXPECT_TRUE(QTest::qWaitFor([&] { return page.loadCount() > loads; }, 10000));

    // Closed, the dialog goes.
    dialog->close();
    EXPECT_TRUE(QTest::qWaitFor([&] { return dialog.isNull(); }, 5000));
}

TEST_F(ExportDialogTest, ClosedWhileExportingTheExportEndsAndTheHistoryViewTells) {
    ui::HistoryPage page(&wb());
    page.show();
    ASSERT_TRUE(QTest::qWaitFor([&] { return page.loadCount() > 0; }, 30000));
    ASSERT_EQ(page.selectRuns({run_.id}), 1);
    QPointer<ui::ExportDialog> dialog = page.openExportDialog();
    ASSERT_TRUE(dialog);
    ASSERT_TRUE(QTest::qWaitFor([&] { return dialog->modelsKnown(); }, 10000));
    dialog->formatCombo()->setCurrentIndex(dialog->formatCombo()->findData("bundle"));
    dialog->limitSpin()->setValue(kVerifyImages);
    const QString path = dialog->destinationEdit()->text();
    EXPECT_TRUE(path.endsWith(stem("fp32") + ".sqb"));

    // Closed at once: the worker goes on, the dialog only hides until it has ended.
    ASSERT_TRUE(dialog->startExport());
    dialog->close();
    EXPECT_FALSE(dialog.isNull());
    EXPECT_FALSE(dialog->isVisible());
    ASSERT_TRUE(QTest::qWaitFor([&] { return dialog.isNull(); }, 180000)) << "the dialog stayed";
    EXPECT_TRUE(page.statusLabel()->text().contains(QString("Run %1 exported to %2").arg(run_.id).arg(path)))
        << page.statusLabel()->text().toStdString();
    EXPECT_TRUE(QFileInfo(path).isFile());
    bool artifact = false;
    for (const auto& a : profiler::RunReader(db()).artifacts(run_.id))
        artifact |= a.kind == "export-bundle" && a.path == path.toStdString();
    EXPECT_TRUE(artifact);
}

TEST_F(ExportDialogTest, TritonRepositoryCarriesTheBatchingTypedIn) {
    auto dialog = openDialog();
    dialog->formatCombo()->setCurrentIndex(dialog->formatCombo()->findData("triton"));
    dialog->limitSpin()->setValue(kVerifyImages);
    QTest::keyClicks(dialog->preferredEdit(), "32, 8");
    QTest::keyClicks(dialog->queueDelayEdit(), "250");
    dialog->instancesSpin()->setValue(2);
    const QString repository = dialog->destinationEdit()->text();
    const QList<QVariant> end = exportThroughTheButton(*dialog);
    ASSERT_EQ(end.size(), 3) << "the export did not end";
    ASSERT_TRUE(end.at(2).toString().isEmpty()) << end.at(2).toString().toStdString();

    const QString model = QDir(repository).filePath(stem("fp32"));
    EXPECT_EQ(end.at(1).toString(), model);
    QFile config(QDir(model).filePath("config.pbtxt"));
    ASSERT_TRUE(config.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(config.readAll());
    EXPECT_TRUE(text.contains("preferred_batch_size: [ 8, 32 ]")) << text.toStdString();
    EXPECT_TRUE(text.contains("max_queue_delay_microseconds: 250")) << text.toStdString();
    EXPECT_TRUE(text.contains("count: 2")) << text.toStdString();
    EXPECT_TRUE(QFileInfo::exists(QDir(model).filePath("1/model.onnx")));
    EXPECT_EQ(QDir(repository).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
              QStringList{stem("fp32")});  // no stage left behind

    // Every file is listed, and the engine's line on where the batching came from is shown.
    EXPECT_EQ(dialog->result().files.size(), 3u);
    EXPECT_EQ(dialog->resultView()->field(Field::Path)->text(), model + "\nconfig.pbtxt · 1/model.onnx · labels.txt");
    EXPECT_EQ(dialog->result().argmax_agreement, 1.0);
    EXPECT_TRUE(dialog->resultView()->field(Field::Messages)->text().contains("dynamic batching"))
        << dialog->resultView()->field(Field::Messages)->text().toStdString();
    EXPECT_TRUE(logHas(*dialog, "dynamic batching: preferred batch sizes"));
    sparq::test::saveScreenshot(*dialog, "SPARQ_EXPORT_TRITON_SCREENSHOT");
}

TEST_F(ExportDialogTest, Int8OfARunWithoutAnInt8ModelQuantizesFirstAndSaysSo) {
    auto dialog = openDialog();
    dialog->precisionCombo()->setCurrentIndex(dialog->precisionCombo()->findData("int8"));
    dialog->limitSpin()->setValue(kVerifyImages);
    const QList<QVariant> end = exportThroughTheButton(*dialog);
    ASSERT_EQ(end.size(), 3) << "the export did not end";
    ASSERT_TRUE(end.at(2).toString().isEmpty()) << end.at(2).toString().toStdString();

    const engine::ExportResult& r = dialog->result();
    EXPECT_TRUE(r.quantized_now);
    EXPECT_GE(r.argmax_agreement, 0.99);
    ui::ExportResultView* view = dialog->resultView();
    EXPECT_TRUE(view->field(Field::Int8Model)->isVisible());
    EXPECT_TRUE(view->field(Field::Int8Model)->text().startsWith(QString::fromStdString(r.int8_model)));
    EXPECT_TRUE(view->field(Field::Int8Model)->text().contains("quantized now"));
    EXPECT_TRUE(view->field(Field::MaxDiff)->text().contains("INT8 is held to the engine's class"));
    EXPECT_TRUE(view->field(Field::Messages)->text().contains("post-training quantization"))
        << view->field(Field::Messages)->text().toStdString();
    EXPECT_TRUE(logHas(*dialog, "had no INT8 model"));

    // The INT8 model stays with the run: the next dialog exports it instead of quantizing again.
    auto next = openDialog();
    next->precisionCombo()->setCurrentIndex(next->precisionCombo()->findData("int8"));
    EXPECT_EQ(next->int8Note()->text(),
              QString("INT8 exports this run's INT8 model, %1.").arg(QString::fromStdString(r.int8_model)));
}

TEST_F(ExportDialogTest, AFailedExportIsShownInRedAndLeavesNothing) {
    // Verification needs the test images; a folder without them fails after the model loaded.
    const QString noData = QDir(folder()).filePath("no-data");
    auto dialog = openDialog(noData.toStdString());
    dialog->destinationEdit()->setText(QDir(folder()).filePath("failed.onnx"));
    const QList<QVariant> end = exportThroughTheButton(*dialog);
    ASSERT_EQ(end.size(), 3) << "the export did not end";
    const QString error = end.at(2).toString();
    EXPECT_FALSE(error.isEmpty());
    EXPECT_TRUE(end.at(1).toString().isEmpty());

    EXPECT_FALSE(dialog->hasResult());
    ui::ExportResultView* view = dialog->resultView();
    EXPECT_TRUE(view->isVisible());
    EXPECT_TRUE(view->headline()->text().contains("Nothing was left at the destination"));
    ASSERT_TRUE(view->failure()->isVisible());
    EXPECT_EQ(view->failure()->text(), error);
    EXPECT_EQ(sparq::test::textColor(view->failure()), QColor("#c02020"));
    EXPECT_FALSE(view->field(Field::Agreement)->isVisible());
    EXPECT_TRUE(logHas(*dialog, "The export failed"));
    EXPECT_FALSE(QFileInfo::exists(QDir(folder()).filePath("failed.onnx")));
    EXPECT_TRUE(dialog->exportButton()->isEnabled());  // it may be tried again
    sparq::test::saveScreenshot(*dialog, "SPARQ_EXPORT_FAILED_SCREENSHOT");
}
