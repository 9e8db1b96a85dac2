#include "quantize/quantizepage.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include "core/joblane.h"
#include "common/jobcontrolpanel.h"
#include "common/joblogview.h"
#include "common/jobprogressbar.h"
#include "common/modelsourcepicker.h"
#include "common/pastrunpicker.h"
#include "quantize/quantcomparisoncard.h"
#include "quantize/quanterrorchart.h"
#include "quantize/quanterrorlivechart.h"
#include "history/runtablemodel.h"
#include "sparq/engine/train.h"
#include "common/techniquepagelayout.h"
#include "core/workbench.h"

namespace sparq::ui {

QuantizePage::QuantizePage(Workbench* workbench, QWidget* parent)
    : QWidget(parent),
      workbench_(workbench) {
    QWidget* form = buildForm();
    live_ = new QuantErrorLiveChart(workbench_->bus());
    runs_ = new PastRunPicker(workbench_->dbPath(), "quantize",
                              {tr("Quantization run:"), tr("INT8"), tr("1 quantization run"), tr("%1 quantization runs"),
                               tr("Past quantization runs of the history; the chosen one fills the card and the bars")});
    runs_->setObjectName(QStringLiteral("quantRuns"));
    auto* compare = new QSplitter(Qt::Horizontal);
    card_ = new QuantComparisonCard(compare);
    errorChart_ = new QuantErrorChart(compare);
    compare->addWidget(card_);
    compare->addWidget(errorChart_);
    compare->setStretchFactor(0, 1);
    compare->setStretchFactor(1, 1);
    layOutTechniquePage(this,
                        tr("<h2>Quantization</h2>Convert a trained float model to INT8 (post-training calibration, or "
                           "quantization-aware training) and compare the two."),
                        form, live_, runs_, compare);

    connect(runs_, &PastRunPicker::runChosen, this, &QuantizePage::showRun);
    connect(runs_, &PastRunPicker::refreshed, this, [this] {
        source_->setTrainedRuns(runs_->trainedRuns());
        updateControls();
        emit runsRefreshed();
    });

    using Kind = engine::JobKind;
    workbench_->onLanes(Kind::Quantize, this, &JobLane::started, [this](qint64 run, const QString& device) { onStarted(run, device); });
    workbench_->onLanes(Kind::Quantize, this, &JobLane::progress,
                        [this](const engine::JobProgress& p) { controls_->progress()->showProgress(p); });
    workbench_->onLanes(Kind::Quantize, this, &JobLane::epoch, [this](const engine::EpochReport& r) { onEpoch(r); });
    workbench_->onLanes(Kind::Quantize, this, &JobLane::log,
                        [this](const QString& level, const QString& message) { onLog(level, message); });
    workbench_->onLanes(Kind::Quantize, this, &JobLane::finished, [this](const engine::JobEnd& end) { onFinished(end); });
    connect(workbench_, &Workbench::laneStarted, this, [this](JobLane* lane) {
        if (lane->kind() != Kind::Quantize) return;
        updateControls();
        live_->setThreshold(lane->spec<engine::QuantizeSpec>().error_alert);
    });
    connect(workbench_, &Workbench::laneFinished, this, [this](JobLane* lane) {
        if (lane->kind() == Kind::Quantize) updateControls();
    });
    // A trained run's checkpoint becomes a source as soon as the run ends.
    workbench_->onLanes(Kind::Train, this, &JobLane::finished, [this] { refreshRuns(); });

    live_->setThreshold(threshold_->value());
    updateControls();
    refreshRuns();
}

QWidget* QuantizePage::buildForm() {
    auto* box = new QGroupBox(tr("Quantize a model to INT8"));
    box->setObjectName(QStringLiteral("quantizeForm"));
    auto* layout = new QVBoxLayout(box);
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    source_ = new ModelSourcePicker(QStringLiteral("mlp-fashion"), box);
    source_->setObjectName(QStringLiteral("quantSource"));
    source_->presetButton()->setToolTip(tr("Train the preset's float model first, then quantize it"));
    source_->trainedRunButton()->setToolTip(tr("Quantize the checkpoint of a finished training run"));
    form->addRow(tr("Source:"), source_);

    floatEpochs_ = new QSpinBox(box);
    floatEpochs_->setObjectName(QStringLiteral("quantFloatEpochs"));
    floatEpochs_->setRange(0, 1000);
    floatEpochs_->setSpecialValueText(tr("the preset's"));
    floatEpochs_->setToolTip(tr("Epochs of float training before quantizing a preset's model"));
    form->addRow(tr("Float epochs:"), floatEpochs_);

    mode_ = new QComboBox(box);
    mode_->setObjectName(QStringLiteral("quantModeCombo"));
    mode_->addItem(tr("PTQ — calibrate only"), QStringLiteral("ptq"));
    mode_->addItem(tr("QAT — quantization-aware training"), QStringLiteral("qat"));
    mode_->setToolTip(tr("Post-training quantization calibrates the ranges on held-out images; QAT then "
                         "fine-tunes the float model with fake quantization in the loop"));
    form->addRow(tr("Mode:"), mode_);

    observer_ = new QComboBox(box);
    observer_->setObjectName(QStringLiteral("quantObserverCombo"));
    observer_->addItems({QStringLiteral("minmax"), QStringLiteral("ema"), QStringLiteral("percentile"),
                         QStringLiteral("mse")});
    observer_->setToolTip(tr("How activation ranges are measured during calibration"));
    form->addRow(tr("Observer:"), observer_);

    qatEpochs_ = new QSpinBox(box);
    qatEpochs_->setObjectName(QStringLiteral("quantQatEpochs"));
    qatEpochs_->setRange(1, 100);
    qatEpochs_->setValue(1);
    form->addRow(tr("QAT epochs:"), qatEpochs_);

    threshold_ = new QDoubleSpinBox(box);
    threshold_->setObjectName(QStringLiteral("quantThreshold"));
    threshold_->setRange(0.001, 1.0);
    threshold_->setDecimals(3);
    threshold_->setSingleStep(0.005);
    threshold_->setValue(engine::QuantizeSpec{}.error_alert);
    threshold_->setToolTip(tr("Alert when a layer's relative output error exceeds this"));
    form->addRow(tr("Alert threshold:"), threshold_);
    layout->addLayout(form);

    controls_ = new JobControlPanel(QStringLiteral("quant"), box);
    layout->addWidget(controls_, 1);

    connect(controls_->startButton(), &QPushButton::clicked, this, &QuantizePage::startJob);
    connect(controls_->stopButton(), &QPushButton::clicked, this, &QuantizePage::stopJob);
    connect(source_, &ModelSourcePicker::changed, this, &QuantizePage::updateControls);
    connect(mode_, &QComboBox::currentIndexChanged, this, &QuantizePage::updateControls);
    return box;
}

bool QuantizePage::selectPreset(const QString& name) { return source_->selectPreset(name); }

bool QuantizePage::selectTrainedRun(qint64 runId) { return source_->selectTrainedRun(runId); }

bool QuantizePage::selectRun(qint64 runId) { return runs_->select(runId); }

QComboBox* QuantizePage::presetCombo() const { return source_->presetCombo(); }

QComboBox* QuantizePage::trainedRunCombo() const { return source_->trainedRunCombo(); }

QComboBox* QuantizePage::runCombo() const { return runs_->combo(); }

QPushButton* QuantizePage::startButton() const { return controls_->startButton(); }

QPushButton* QuantizePage::stopButton() const { return controls_->stopButton(); }

QListWidget* QuantizePage::logList() const { return controls_->log(); }

int QuantizePage::runLoads() const { return runs_->loads(); }

void QuantizePage::refreshRuns() { runs_->refresh(); }

engine::QuantizeSpec QuantizePage::spec() const {
    engine::QuantizeSpec q;
    q.mode = mode_->currentData().toString().toStdString();
    q.observer = observer_->currentText().toStdString();
    q.qat_epochs = qatEpochs_->value();
    q.error_alert = threshold_->value();
    if (source_->usesTrainedRun()) {
        q.checkpoint = source_->checkpoint().toStdString();
        q.preset = source_->trainedRunPreset().toStdString();
        q.name = "run " + std::to_string(source_->trainedRun()) + " int8 " + q.mode;
    } else {
        q.preset = source_->preset().toStdString();
        q.train_epochs = floatEpochs_->value();
    }
    return q;
}

void QuantizePage::updateControls() {
    const bool running = workbench_->isRunning(engine::JobKind::Quantize);
    source_->setEditable(!running);
    floatEpochs_->setEnabled(!running && !source_->usesTrainedRun());
    mode_->setEnabled(!running);
    observer_->setEnabled(!running);
    qatEpochs_->setEnabled(!running && mode_->currentData().toString() == QLatin1String("qat"));
    threshold_->setEnabled(!running);
    controls_->setJobState(running, source_->hasChoice(), tr("Start the quantization job"));
}

void QuantizePage::startJob() {
    if (workbench_->isRunning(engine::JobKind::Quantize)) return;
    const engine::QuantizeSpec q = spec();
    if (!controls_->launch([&] { workbench_->start(q); })) return;
    controls_->log()->append(tr("quantizing %1 (%2, observer %3)")
                                 .arg(q.checkpoint.empty() ? tr("preset %1").arg(QString::fromStdString(q.preset))
                                                           : QString::fromStdString(q.checkpoint),
                                      QString::fromStdString(q.mode), QString::fromStdString(q.observer)));
}

void QuantizePage::stopJob() { workbench_->stop(engine::JobKind::Quantize); }

void QuantizePage::onStarted(qint64 runId, const QString& device) {
    live_->setRun(runId);
    controls_->reportStarted(runId, device);
}

void QuantizePage::onEpoch(const engine::EpochReport& r) {
    controls_->log()->append(
        tr("float model, epoch %1: test accuracy %2").arg(r.epoch).arg(RunTableModel::formatAccuracy(r.test_accuracy)));
}

void QuantizePage::onLog(const QString& level, const QString& message) {
    if (controls_->log()->appendEngineLog(level, message)) emit alertRaised(message);
}

void QuantizePage::onFinished(const engine::JobEnd& end) {
    live_->drain();
    const JobLane* lane = workbench_->lane(engine::JobKind::Quantize);
    const engine::QuantizeResult* result = lane ? lane->result<engine::QuantizeResult>() : nullptr;
    if (end.status == engine::JobStatus::Completed && result) {
        showSummary(parseJsonObject(end.summary_json), lane->spec<engine::QuantizeSpec>().error_alert);
        shownRun_ = end.run_id;
        controls_->log()->append(tr("INT8 test accuracy %1 (float %2), %3× faster at batch 64, %4× smaller")
                                     .arg(RunTableModel::formatAccuracy(result->int8_accuracy),
                                          RunTableModel::formatAccuracy(result->fp32_accuracy))
                                     .arg(result->speedup_b64, 0, 'f', 2)
                                     .arg(result->size_ratio, 0, 'f', 2));
    }
    controls_->reportEnded(end);
    if (end.status == engine::JobStatus::Failed) {
        card_->clear(tr("Run %1 failed: %2").arg(end.run_id).arg(QString::fromStdString(end.error)));
        errorChart_->clear(tr("Run %1 failed").arg(end.run_id));
        shownRun_ = end.run_id;
    }
    runs_->awaitRun(end.run_id);
}

void QuantizePage::showSummary(const QJsonObject& summary, double threshold) {
    if (card_->setSummary(summary))
        errorChart_->setLayers(QuantErrorChart::layersFromJson(summary.value(QStringLiteral("layers")).toArray()),
                               threshold);
    else
        errorChart_->clear(tr("No layer errors for this run"));
}

void QuantizePage::showRun(qint64 runId) {
    const JobRun* run = runs_->run(runId);
    if (!run) return;
    shownRun_ = run->id;
    if (run->unfinished()) {
        card_->clear(tr("Run %1 is still running.").arg(run->id));
        errorChart_->clear(tr("Run %1 is still running").arg(run->id));
        return;
    }
    const QJsonValue alert = parseJsonObject(run->config).value(QStringLiteral("error_alert"));
    showSummary(run->summaryObject(), alert.isDouble() ? alert.toDouble() : engine::QuantizeSpec{}.error_alert);
}

}  // namespace sparq::ui
