#include "quantizepage.h"

#include <algorithm>
#include <climits>
#include <exception>

#include <QButtonGroup>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>

#include "jobbridge.h"
#include "quantcomparisoncard.h"
#include "quanterrorchart.h"
#include "quanterrorlivechart.h"
#include "runtablemodel.h"
#include "sparq/engine/specs.h"
#include "sparq/profiler/run_store.h"
#include "workbench.h"

namespace sparq::ui {
namespace {

constexpr int kMaxLogLines = 500;
constexpr int kIdRole = Qt::UserRole;
constexpr int kPathRole = Qt::UserRole + 1;
constexpr int kPresetRole = Qt::UserRole + 2;

QJsonObject parseObject(const std::string& json) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
}

bool isUnfinished(const std::string& status) { return status == "running" || status == "queued"; }

}  // namespace

QuantizePage::QuantizePage(Workbench* workbench, QWidget* parent)
    : QWidget(parent),
      workbench_(workbench) {
    auto* layout = new QVBoxLayout(this);
    auto* title = new QLabel(tr("<h2>Quantization</h2>Convert a trained float model to INT8 (post-training "
                                "calibration, or quantization-aware training) and compare the two."),
                             this);
    title->setWordWrap(true);
    layout->addWidget(title);

    auto* top = new QSplitter(Qt::Horizontal);
    top->addWidget(buildForm());
    live_ = new QuantErrorLiveChart(workbench_->bus());
    top->addWidget(live_);
    top->setStretchFactor(0, 2);
    top->setStretchFactor(1, 3);

    auto* results = new QWidget;
    auto* resultsLayout = new QVBoxLayout(results);
    resultsLayout->setContentsMargins(0, 0, 0, 0);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(new QLabel(tr("Quantization run:"), results));
    runs_ = new QComboBox(results);
    runs_->setObjectName(QStringLiteral("quantRunCombo"));
    runs_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    runs_->setMinimumContentsLength(36);
    runs_->setToolTip(tr("Past quantization runs of the history; the chosen one fills the card and the bars"));
    runRow->addWidget(runs_, 1);
    auto* reload = new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), tr("Refresh"), results);
    reload->setObjectName(QStringLiteral("quantRefreshButton"));
    runRow->addWidget(reload);
    runsStatus_ = new QLabel(tr("Loading…"), results);
    runsStatus_->setObjectName(QStringLiteral("quantRunsStatus"));
    runRow->addWidget(runsStatus_);
    resultsLayout->addLayout(runRow);
    auto* compare = new QSplitter(Qt::Horizontal);
    card_ = new QuantComparisonCard(compare);
    errorChart_ = new QuantErrorChart(compare);
    compare->addWidget(card_);
    compare->addWidget(errorChart_);
    compare->setStretchFactor(0, 1);
    compare->setStretchFactor(1, 1);
    resultsLayout->addWidget(compare, 1);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(results);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(reload, &QPushButton::clicked, this, &QuantizePage::refreshRuns);
    connect(runs_, &QComboBox::currentIndexChanged, this, &QuantizePage::showRun);

    JobBridge* bridge = workbench_->quantizeBridge();
    connect(bridge, &JobBridge::started, this, &QuantizePage::onStarted);
    connect(bridge, &JobBridge::progress, this, &QuantizePage::onProgress);
    connect(bridge, &JobBridge::epoch, this, &QuantizePage::onEpoch);
    connect(bridge, &JobBridge::log, this, &QuantizePage::onLog);
    connect(bridge, &JobBridge::quantized, this, &QuantizePage::onQuantized);
    connect(bridge, &JobBridge::finished, this, &QuantizePage::onFinished);
    connect(workbench_, &Workbench::runningChanged, this, [this](bool running) {
        updateControls();
        if (running && workbench_->currentKind() == Workbench::JobKind::Quantize) {
            live_->setRun(workbench_->currentQuantizeRun());
            live_->setThreshold(workbench_->currentQuantizeSpec().error_alert);
        }
    });
    // A trained run's checkpoint becomes a source as soon as the run ends.
    connect(workbench_->bridge(), &JobBridge::finished, this, &QuantizePage::refreshRuns);

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

    fromPreset_ = new QRadioButton(tr("Preset"), box);
    fromPreset_->setObjectName(QStringLiteral("quantFromPreset"));
    fromPreset_->setToolTip(tr("Train the preset's float model first, then quantize it"));
    fromRun_ = new QRadioButton(tr("Trained run"), box);
    fromRun_->setObjectName(QStringLiteral("quantFromRun"));
    fromRun_->setToolTip(tr("Quantize the checkpoint of a finished training run"));
    auto* sources = new QButtonGroup(box);
    sources->addButton(fromPreset_);
    sources->addButton(fromRun_);
    fromPreset_->setChecked(true);

    presets_ = new QComboBox(box);
    presets_->setObjectName(QStringLiteral("quantPresetCombo"));
    for (const auto& name : engine::list_presets()) presets_->addItem(QString::fromStdString(name));
    presets_->setCurrentIndex(std::max(0, presets_->findText(QStringLiteral("mlp-fashion"))));
    trained_ = new QComboBox(box);
    trained_->setObjectName(QStringLiteral("quantTrainedRunCombo"));
    trained_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    trained_->setMinimumContentsLength(24);
    trained_->setPlaceholderText(tr("no trained run with a checkpoint yet"));
    auto* presetRow = new QHBoxLayout;
    presetRow->addWidget(fromPreset_);
    presetRow->addWidget(presets_, 1);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(fromRun_);
    runRow->addWidget(trained_, 1);
    form->addRow(tr("Source:"), presetRow);
    form->addRow(QString(), runRow);

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

    auto* buttons = new QHBoxLayout;
    start_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start"), box);
    start_->setObjectName(QStringLiteral("quantStartButton"));
    stop_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"), box);
    stop_->setObjectName(QStringLiteral("quantStopButton"));
    buttons->addWidget(start_);
    buttons->addWidget(stop_);
    buttons->addStretch(1);
    layout->addLayout(buttons);

    formError_ = new QLabel(box);
    formError_->setObjectName(QStringLiteral("quantFormError"));
    formError_->setStyleSheet(QStringLiteral("color: #c02020;"));
    formError_->setWordWrap(true);
    formError_->hide();
    layout->addWidget(formError_);
    progress_ = new QProgressBar(box);
    progress_->setObjectName(QStringLiteral("quantProgress"));
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(tr("idle"));
    layout->addWidget(progress_);
    log_ = new QListWidget(box);
    log_->setObjectName(QStringLiteral("quantLog"));
    log_->setWordWrap(true);
    log_->setMinimumHeight(60);
    layout->addWidget(log_, 1);

    connect(start_, &QPushButton::clicked, this, &QuantizePage::startJob);
    connect(stop_, &QPushButton::clicked, this, &QuantizePage::stopJob);
    connect(fromPreset_, &QRadioButton::toggled, this, &QuantizePage::updateControls);
    connect(mode_, &QComboBox::currentIndexChanged, this, &QuantizePage::updateControls);
    return box;
}

bool QuantizePage::selectPreset(const QString& name) {
    const int index = presets_->findText(name);
    if (index < 0) return false;
    presets_->setCurrentIndex(index);
    fromPreset_->setChecked(true);
    return true;
}

bool QuantizePage::selectTrainedRun(qint64 runId) {
    const int index = trained_->findData(runId, kIdRole);
    if (index < 0) return false;
    trained_->setCurrentIndex(index);
    fromRun_->setChecked(true);
    return true;
}

bool QuantizePage::selectRun(qint64 runId) {
    const int index = runs_->findData(runId, kIdRole);
    if (index < 0) return false;
    if (index == runs_->currentIndex())
        showRun(index);
    else
        runs_->setCurrentIndex(index);
    return true;
}

engine::QuantizeSpec QuantizePage::spec() const {
    engine::QuantizeSpec q;
    q.mode = mode_->currentData().toString().toStdString();
    q.observer = observer_->currentText().toStdString();
    q.qat_epochs = qatEpochs_->value();
    q.error_alert = threshold_->value();
    if (fromRun_->isChecked() && trained_->currentIndex() >= 0) {
        const qint64 run = trained_->currentData(kIdRole).toLongLong();
        q.checkpoint = trained_->currentData(kPathRole).toString().toStdString();
        q.preset = trained_->currentData(kPresetRole).toString().toStdString();
        q.name = "run " + std::to_string(run) + " int8 " + q.mode;
    } else {
        q.preset = presets_->currentText().toStdString();
        q.train_epochs = floatEpochs_->value();
    }
    return q;
}

void QuantizePage::updateControls() {
    const bool running = workbench_->isRunning();
    const bool quantizing = running && workbench_->currentKind() == Workbench::JobKind::Quantize;
    const bool haveRuns = trained_->count() > 0;
    if (!haveRuns && fromRun_->isChecked()) fromPreset_->setChecked(true);
    fromPreset_->setEnabled(!running);
    fromRun_->setEnabled(!running && haveRuns);
    presets_->setEnabled(!running && fromPreset_->isChecked());
    floatEpochs_->setEnabled(!running && fromPreset_->isChecked());
    trained_->setEnabled(!running && fromRun_->isChecked());
    mode_->setEnabled(!running);
    observer_->setEnabled(!running);
    qatEpochs_->setEnabled(!running && mode_->currentData().toString() == QLatin1String("qat"));
    threshold_->setEnabled(!running);
    start_->setEnabled(!running && (fromRun_->isChecked() ? trained_->currentIndex() >= 0 : presets_->count() > 0));
    start_->setToolTip(running && !quantizing ? tr("A training job is running; wait for it or stop it first")
                                              : tr("Start the quantization job"));
    stop_->setEnabled(quantizing);
}

void QuantizePage::startJob() {
    if (workbench_->isRunning()) return;
    const engine::QuantizeSpec q = spec();
    try {
        workbench_->startQuantize(q);
    } catch (const std::exception& e) {
        formError_->setText(tr("Could not start the job: %1").arg(QString::fromUtf8(e.what())));
        formError_->show();
        return;
    }
    formError_->hide();
    log_->clear();
    progress_->setRange(0, 0);  // busy until the first progress report
    progress_->setFormat(tr("starting"));
    appendLog(tr("quantizing %1 (%2, observer %3)")
                  .arg(q.checkpoint.empty() ? tr("preset %1").arg(QString::fromStdString(q.preset))
                                            : QString::fromStdString(q.checkpoint),
                       QString::fromStdString(q.mode), QString::fromStdString(q.observer)));
}

void QuantizePage::stopJob() {
    if (workbench_->isRunning() && workbench_->currentKind() == Workbench::JobKind::Quantize) workbench_->stop();
}

void QuantizePage::appendLog(const QString& text, bool warning) {
    auto* item = new QListWidgetItem(QTime::currentTime().toString(QStringLiteral("HH:mm:ss ")) + text);
    if (warning) {
        item->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
        item->setForeground(QColor(176, 112, 0));
    }
    item->setToolTip(text);
    log_->addItem(item);
    while (log_->count() > kMaxLogLines) delete log_->takeItem(0);
    log_->scrollToBottom();
}

void QuantizePage::onStarted(qint64 runId, const QString& device) {
    live_->setRun(runId);
    appendLog(tr("run %1 started on %2").arg(runId).arg(device));
}

void QuantizePage::onProgress(const engine::JobProgress& p) {
    const qint64 total = qint64(p.epochs) * p.batches;
    if (total > 0 && total < INT_MAX) {
        progress_->setRange(0, int(total));
        progress_->setValue(int(qint64(p.epoch - 1) * p.batches + p.batch));
    }
    progress_->setFormat(tr("epoch %1/%2 · batch %3/%4 · loss %5")
                             .arg(p.epoch)
                             .arg(p.epochs)
                             .arg(p.batch)
                             .arg(p.batches)
                             .arg(p.loss, 0, 'f', 4));
}

void QuantizePage::onEpoch(const engine::EpochReport& r) {
    appendLog(tr("float model, epoch %1: test accuracy %2").arg(r.epoch).arg(RunTableModel::formatAccuracy(r.test_accuracy)));
}

void QuantizePage::onLog(const QString& level, const QString& message) {
    const bool warning = level == QLatin1String("warning") || level == QLatin1String("warn");
    appendLog(message, warning || level == QLatin1String("error"));
    if (warning) emit alertRaised(message);
}

void QuantizePage::onQuantized(const engine::QuantizeResult& result) {
    live_->drain();
    if (result.status != "completed") return;  // onFinished says why
    showSummary(parseObject(engine::to_json(result)), workbench_->currentQuantizeSpec().error_alert);
    shownRun_ = result.run_id;
    appendLog(tr("INT8 test accuracy %1 (float %2), %3× faster at batch 64, %4× smaller")
                  .arg(RunTableModel::formatAccuracy(result.int8_accuracy),
                       RunTableModel::formatAccuracy(result.fp32_accuracy))
                  .arg(result.speedup_b64, 0, 'f', 2)
                  .arg(result.size_ratio, 0, 'f', 2));
}

void QuantizePage::onFinished(const engine::TrainResult& result) {
    live_->drain();
    progress_->setRange(0, 1);
    progress_->setValue(result.status == engine::JobStatus::Completed ? 1 : 0);
    const QString status = QString::fromUtf8(engine::to_string(result.status));
    progress_->setFormat(status);
    if (result.status == engine::JobStatus::Failed) {
        appendLog(tr("run %1 failed: %2").arg(result.run_id).arg(QString::fromStdString(result.error)), true);
        card_->clear(tr("Run %1 failed: %2").arg(result.run_id).arg(QString::fromStdString(result.error)));
        errorChart_->clear(tr("Run %1 failed").arg(result.run_id));
        shownRun_ = result.run_id;
    } else {
        appendLog(tr("run %1 %2").arg(result.run_id).arg(status));
    }
    awaitedRun_ = result.run_id;
    awaitRetries_ = 0;
    refreshRuns();
}

void QuantizePage::showSummary(const QJsonObject& summary, double threshold) {
    if (card_->setSummary(summary))
        errorChart_->setLayers(QuantErrorChart::layersFromJson(summary.value(QStringLiteral("layers")).toArray()),
                               threshold);
    else
        errorChart_->clear(tr("No layer errors for this run"));
}

void QuantizePage::showRun(int index) {
    if (index < 0 || index >= int(quantRuns_.size())) return;
    const QuantRun& run = quantRuns_[std::size_t(index)];
    shownRun_ = run.id;
    if (isUnfinished(run.status)) {
        card_->clear(tr("Run %1 is still running.").arg(run.id));
        errorChart_->clear(tr("Run %1 is still running").arg(run.id));
        return;
    }
    QJsonObject summary = parseObject(run.summary);
    // A run that ended without a result of its own (failed) keeps only the engine's generic
    // summary: make sure the card can name it.
    if (!summary.contains(QStringLiteral("run_id"))) summary.insert(QStringLiteral("run_id"), run.id);
    if (!summary.contains(QStringLiteral("status")))
        summary.insert(QStringLiteral("status"), QString::fromStdString(run.status));
    showSummary(summary, run.threshold);
}

void QuantizePage::refreshRuns() {
    runsStatus_->setText(tr("Loading…"));
    const std::string path = workbench_->dbPath();
    tracker_.startJob(
        [path]() {
            Snapshot out;
            try {
                profiler::RunReader reader(path);
                for (profiler::RunRecord& run : reader.list_runs()) {
                    QString label = tr("Run %1 · %2").arg(run.id).arg(QString::fromStdString(run.name));
                    const bool completed = run.status == "completed";
                    if (run.kind == "quantize") {
                        label += QStringLiteral(" · ") +
                                 (completed && run.test_accuracy
                                      ? tr("INT8 %1").arg(RunTableModel::formatAccuracy(*run.test_accuracy))
                                      : QString::fromStdString(run.status));
                        const QJsonValue alert = parseObject(run.config_json).value(QStringLiteral("error_alert"));
                        out.quantRuns.push_back({run.id, label, run.status, std::move(run.summary_json),
                                                 alert.isDouble() ? alert.toDouble() : engine::QuantizeSpec{}.error_alert});
                    } else if (run.kind == "train" && !isUnfinished(run.status)) {
                        QString checkpoint;
                        for (const profiler::Artifact& a : reader.artifacts(run.id))
                            if (a.kind == "checkpoint") checkpoint = QString::fromStdString(a.path);  // newest
                        if (checkpoint.isEmpty()) continue;
                        if (run.test_accuracy) label += QStringLiteral(" · ") + RunTableModel::formatAccuracy(*run.test_accuracy);
                        if (!completed) label += QStringLiteral(" · ") + QString::fromStdString(run.status);
                        out.trained.push_back({run.id, label, checkpoint, QString::fromStdString(run.preset)});
                    }
                }
            } catch (const std::exception& e) {
                out.error = QString::fromUtf8(e.what());
            }
            return out;
        },
        [this](Snapshot snapshot) { applyRuns(std::move(snapshot)); });
}

void QuantizePage::applyRuns(Snapshot snapshot) {
    ++runLoads_;
    if (!snapshot.error.isEmpty()) {
        runsStatus_->setText(QStringLiteral("<span style='color:#c02020'>%1</span>")
                                 .arg(tr("Could not read the history: %1").arg(snapshot.error.toHtmlEscaped())));
        emit runsRefreshed();
        return;
    }

    {
        const qint64 keep = trained_->currentData(kIdRole).toLongLong();
        const QSignalBlocker block(trained_);
        trained_->clear();
        for (const TrainedRun& t : snapshot.trained) {
            trained_->addItem(t.label, t.id);
            const int i = trained_->count() - 1;
            trained_->setItemData(i, t.checkpoint, kPathRole);
            trained_->setItemData(i, t.preset, kPresetRole);
            trained_->setItemData(i, t.checkpoint, Qt::ToolTipRole);
        }
        const int index = trained_->findData(keep, kIdRole);
        trained_->setCurrentIndex(index >= 0 ? index : (trained_->count() > 0 ? 0 : -1));
    }

    // The run to show: a job that just ended once the history has its end, else the run on
    // show, else the newest.
    qint64 want = shownRun_;
    const qint64 awaited = awaitedRun_;
    bool retry = false;
    if (awaitedRun_) {
        const auto it = std::find_if(snapshot.quantRuns.begin(), snapshot.quantRuns.end(),
                                     [&](const QuantRun& r) { return r.id == awaitedRun_; });
        if (it != snapshot.quantRuns.end() && !isUnfinished(it->status)) {
            want = awaitedRun_;
            awaitedRun_ = 0;
        } else if (awaitRetries_ < 10) {
            retry = true;  // the store commits a run's end on its writer thread
        } else {
            awaitedRun_ = 0;
        }
    }
    quantRuns_ = std::move(snapshot.quantRuns);
    int index = -1;
    {
        const QSignalBlocker block(runs_);
        runs_->clear();
        for (const QuantRun& r : quantRuns_) {
            runs_->addItem(r.label, r.id);
            if (r.id == want) index = runs_->count() - 1;
        }
        if (index < 0 && want == 0 && !quantRuns_.empty()) index = 0;
        runs_->setCurrentIndex(index);
    }
    // The card shows what the history says, except for a job that just ended and whose end
    // the history does not have yet: its own result stays on show until then.
    if (index >= 0 && !(retry && quantRuns_[std::size_t(index)].id == awaited)) showRun(index);

    const int n = int(quantRuns_.size());
    runsStatus_->setText(n == 1 ? tr("1 quantization run") : tr("%1 quantization runs").arg(n));
    updateControls();
    if (retry) {
        ++awaitRetries_;
        QTimer::singleShot(300, this, &QuantizePage::refreshRuns);
    }
    emit runsRefreshed();
}

}  // namespace sparq::ui
