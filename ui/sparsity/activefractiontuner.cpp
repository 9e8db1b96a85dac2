#include "sparsity/activefractiontuner.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <stdexcept>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QStyle>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "core/joblane.h"
#include "history/runtablemodel.h"
#include "core/workbench.h"

namespace sparq::ui {
namespace {

constexpr int kSliderSteps = 200;  // slider unit = 1/200: 0.125 and 0.375 lie on it
constexpr int kKindRole = Qt::UserRole;
constexpr int kRunRole = Qt::UserRole + 1;
constexpr int kPathRole = Qt::UserRole + 2;

double keyOf(double fraction) { return std::round(fraction * 1e6) / 1e6; }

bool sameFraction(double a, double b) { return std::abs(a - b) < 5e-7; }

// LibTorch errors carry a backtrace after the first line; the label shows the message only.
QString firstLine(const char* what) {
    const QString text = QString::fromUtf8(what).trimmed();
    return text.section(QLatin1Char('\n'), 0, 0);
}

}  // namespace

const std::vector<double>& ActiveFractionTuner::defaultSweep() {
    static const std::vector<double> fractions{0.125, 0.25, 0.375, 0.5, 0.75, 1.0};
    return fractions;
}

ActiveFractionTuner::ActiveFractionTuner(Workbench* workbench, QWidget* parent)
    : QGroupBox(tr("Tune a trained model"), parent), workbench_(workbench) {
    setObjectName(QStringLiteral("activeFractionTuner"));
    auto* layout = new QVBoxLayout(this);

    auto* controls = new QGridLayout;
    controls->addWidget(new QLabel(tr("Model:"), this), 0, 0);
    chooser_ = new QComboBox(this);
    chooser_->setObjectName(QStringLiteral("tuneModelChooser"));
    chooser_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    chooser_->setMinimumContentsLength(24);
    chooser_->addItem(QString(), int(CurrentRun));
    chooser_->setToolTip(tr("The gated model to re-evaluate: the current or last run, a gated "
                            "run of the history, or a checkpoint file"));
    controls->addWidget(chooser_, 0, 1, 1, 3);
    auto* browse = new QPushButton(style()->standardIcon(QStyle::SP_DirOpenIcon), tr("Checkpoint…"), this);
    browse->setObjectName(QStringLiteral("tuneBrowseButton"));
    browse->setToolTip(tr("Choose a checkpoint file of a gated model"));
    connect(browse, &QPushButton::clicked, this, &ActiveFractionTuner::browse);
    controls->addWidget(browse, 0, 4);

    controls->addWidget(new QLabel(tr("Active fraction:"), this), 1, 0);
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName(QStringLiteral("tuneFractionSlider"));
    slider_->setRange(int(kMinFraction * kSliderSteps), kSliderSteps);
    slider_->setPageStep(kSliderSteps / 8);
    slider_->setToolTip(tr("Share of blocks kept per input; releasing the slider evaluates"));
    controls->addWidget(slider_, 1, 1, 1, 2);
    spin_ = new QDoubleSpinBox(this);
    spin_->setObjectName(QStringLiteral("tuneFractionSpin"));
    spin_->setRange(kMinFraction, 1.0);
    spin_->setDecimals(3);
    spin_->setSingleStep(0.025);
    controls->addWidget(spin_, 1, 3);
    evaluate_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Evaluate"), this);
    evaluate_->setObjectName(QStringLiteral("tuneEvaluateButton"));
    evaluate_->setToolTip(tr("Evaluate the model at this active fraction (%1 test images)").arg(kLimitTest));
    connect(evaluate_, &QPushButton::clicked, this, &ActiveFractionTuner::evaluate);
    controls->addWidget(evaluate_, 1, 4);
    controls->setColumnStretch(1, 1);
    controls->setColumnStretch(2, 1);
    layout->addLayout(controls);

    status_ = new QLabel(tr("Choose a trained gated model and an active fraction, then Evaluate."), this);
    status_->setObjectName(QStringLiteral("tuneStatus"));
    status_->setWordWrap(true);
    layout->addWidget(status_);
    error_ = new QLabel(this);
    error_->setObjectName(QStringLiteral("tuneError"));
    error_->setStyleSheet(QStringLiteral("color: #c02020"));
    error_->setWordWrap(true);
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_->hide();
    layout->addWidget(error_);

    auto* charts = new QHBoxLayout;
    accuracyChart_ = makeChart(tr("Test accuracy"), tr("accuracy"));
    accuracyChart_->setObjectName(QStringLiteral("tuneAccuracyChart"));
    accuracy_ = accuracyChart_->addGraph();
    accuracy_->setName(tr("test accuracy"));
    accuracy_->setPen(QPen(QColor(255, 127, 14), 1.6));
    accuracy_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    accuracyMark_ = accuracyChart_->addGraph();
    latencyChart_ = makeChart(tr("Forward latency"), tr("batch 1 (ms)"));
    latencyChart_->setObjectName(QStringLiteral("tuneLatencyChart"));
    latencyChart_->yAxis2->setVisible(true);
    latencyChart_->yAxis2->setLabel(tr("batch 64 (ms)"));
    latencyB1_ = latencyChart_->addGraph();
    latencyB1_->setName(tr("batch 1"));
    latencyB1_->setPen(QPen(QColor(31, 119, 180), 1.6));
    latencyB1_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    latencyB64_ = latencyChart_->addGraph(latencyChart_->xAxis, latencyChart_->yAxis2);
    latencyB64_->setName(tr("batch 64 (right axis)"));
    latencyB64_->setPen(QPen(QColor(44, 160, 44), 1.6));
    latencyB64_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, 6));
    latencyMarkB1_ = latencyChart_->addGraph();
    latencyMarkB64_ = latencyChart_->addGraph(latencyChart_->xAxis, latencyChart_->yAxis2);
    latencyChart_->legend->setVisible(true);
    for (QCPGraph* mark : {accuracyMark_, latencyMarkB1_, latencyMarkB64_}) {
        mark->setLineStyle(QCPGraph::lsNone);
        mark->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(214, 39, 40), 2.0),
                                              Qt::NoBrush, 13));
        mark->removeFromLegend();
    }
    accuracyCursor_ = new QCPItemStraightLine(accuracyChart_);
    latencyCursor_ = new QCPItemStraightLine(latencyChart_);
    for (QCPItemStraightLine* line : {accuracyCursor_, latencyCursor_})
        line->setPen(QPen(QColor(214, 39, 40, 140), 1.0, Qt::DashLine));
    charts->addWidget(accuracyChart_, 1);
    charts->addWidget(latencyChart_, 1);
    layout->addLayout(charts, 1);

    connect(slider_, &QSlider::valueChanged, this, [this](int v) {
        if (syncing_) return;
        syncing_ = true;
        spin_->setValue(double(v) / kSliderSteps);
        syncing_ = false;
        updateHighlight();
    });
    connect(spin_, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this](double f) {
        if (syncing_) return;
        syncing_ = true;
        slider_->setValue(int(std::lround(f * kSliderSteps)));
        syncing_ = false;
        updateHighlight();
    });
    connect(slider_, &QSlider::sliderReleased, this, &ActiveFractionTuner::evaluate);

    using Kind = engine::JobKind;
    workbench_->onLanes(Kind::Train, this, &JobLane::started, [this] { updateCurrentLabel(); });
    workbench_->onLanes(Kind::Train, this, &JobLane::epoch, [this](const engine::EpochReport& r) {
        if (r.checkpoint.empty()) return;
        lastRun_ = r.run_id;
        lastCheckpoint_ = r.checkpoint;
    });
    workbench_->onLanes(Kind::Train, this, &JobLane::finished, [this] { onTrainingFinished(); });
    connect(workbench_, &Workbench::laneStarted, this, [this](JobLane* lane) {
        if (lane->kind() != Kind::Train) return;
        updateCurrentLabel();
        if (points_.empty()) setFraction(lane->spec<engine::TrainSpec>().active_fraction);
    });

    setFraction(0.25);
    updateCurrentLabel();
    redraw();
    refreshRuns();
}

QCustomPlot* ActiveFractionTuner::makeChart(const QString& title, const QString& yLabel) {
    auto* plot = new QCustomPlot(this);
    plot->setMinimumSize(240, 170);
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(
        0, 0, new QCPTextElement(plot, title, QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    plot->xAxis->setLabel(tr("active fraction"));
    plot->xAxis->setRange(0.0, 1.05);
    plot->yAxis->setLabel(yLabel);
    plot->legend->setFont(QFont(font().family(), font().pointSize() - 1));
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignRight | Qt::AlignBottom);
    return plot;
}

double ActiveFractionTuner::fraction() const { return spin_->value(); }

void ActiveFractionTuner::setFraction(double fraction) {
    spin_->setValue(std::clamp(fraction, kMinFraction, 1.0));
}

QString ActiveFractionTuner::errorText() const { return error_->isHidden() ? QString() : error_->text(); }

void ActiveFractionTuner::addCheckpointFile(const QString& path) {
    int index = -1;
    for (int i = 0; i < chooser_->count(); ++i)
        if (chooser_->itemData(i, kKindRole).toInt() == CheckpointFile &&
            chooser_->itemData(i, kPathRole).toString() == path)
            index = i;
    if (index < 0) {
        chooser_->addItem(style()->standardIcon(QStyle::SP_FileIcon), QFileInfo(path).fileName() +
                              QStringLiteral(" — ") + QFileInfo(path).absolutePath(), int(CheckpointFile));
        index = chooser_->count() - 1;
        chooser_->setItemData(index, path, kPathRole);
        chooser_->setItemData(index, path, Qt::ToolTipRole);
    }
    chooser_->setCurrentIndex(index);
}

void ActiveFractionTuner::browse() {
    // Non-blocking: the dialog is window-modal and reports back through a signal.
    auto* dialog = new QFileDialog(this, tr("Choose the checkpoint of a gated model"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setNameFilters({tr("Checkpoints (*.pt)"), tr("All files (*)")});
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString& path) {
        addCheckpointFile(path);
    });
    dialog->open();
}

void ActiveFractionTuner::updateCurrentLabel() {
    const qint64 run = workbench_->runOf(engine::JobKind::Train);
    QString text;
    if (run <= 0)
        text = tr("Current run (none yet)");
    else if (workbench_->isRunning(engine::JobKind::Train))
        text = tr("Current run %1 (running)").arg(run);
    else
        text = tr("Last run %1").arg(run);
    chooser_->setItemText(0, text);
}

void ActiveFractionTuner::onTrainingFinished() {
    const JobLane* lane = workbench_->lane(engine::JobKind::Train);
    if (const auto* result = lane ? lane->result<engine::TrainResult>() : nullptr; result && !result->checkpoint.empty()) {
        lastRun_ = result->run_id;
        lastCheckpoint_ = result->checkpoint;
    }
    updateCurrentLabel();
    refreshRuns();
}

bool ActiveFractionTuner::isEvaluating() const { return (sweep_ && sweep_->isRunning()) || pending_.has_value(); }

void ActiveFractionTuner::evaluate() {
    Request request;
    request.spec.threads = kThreads;
    request.spec.limit_test = kLimitTest;
    const int kind = chooser_->currentData(kKindRole).toInt();
    if (kind == CheckpointFile) {
        request.spec.checkpoint = chooser_->currentData(kPathRole).toString().toStdString();
        request.key = "file:" + request.spec.checkpoint;
    } else {
        const qint64 run = kind == HistoryRun ? chooser_->currentData(kRunRole).toLongLong()
                                              : workbench_->runOf(engine::JobKind::Train);
        if (run <= 0) {
            showError(tr("No run yet: train a gated model (preset gated-mlp-fashion on the Launch "
                         "page, Ctrl+1) or choose a checkpoint file."));
            return;
        }
        // The running job's checkpoint is known from its epochs before the history lists it.
        if (run == lastRun_ && !lastCheckpoint_.empty())
            request.spec.checkpoint = lastCheckpoint_;
        else
            request.spec.run_id = run;
        request.key = "run:" + std::to_string(run);
    }

    const double f = keyOf(fraction());
    request.spec.fractions = {f};
    const bool firstUse = request.key != shownKey_ || points_.empty();
    if (firstUse)
        for (double d : defaultSweep())
            if (!sameFraction(d, f)) request.spec.fractions.push_back(d);

    error_->hide();
    status_->setText(firstUse ? tr("Evaluating at %1 and %2 other fractions on %3 test images…")
                                    .arg(f, 0, 'f', 3)
                                    .arg(request.spec.fractions.size() - 1)
                                    .arg(kLimitTest)
                              : tr("Evaluating at %1 on %2 test images…").arg(f, 0, 'f', 3).arg(kLimitTest));
    if (sweep_ && sweep_->isRunning()) {
        // The newest request wins: the running sweep stops, this one runs when it has ended.
        pending_ = std::move(request);
        sweep_->stop();
        return;
    }
    launch(request);
}

void ActiveFractionTuner::launch(const Request& request) {
    JobLane* lane = nullptr;
    try {
        lane = workbench_->start(request.spec);
    } catch (const std::exception& e) {
        showError(firstLine(e.what()));
        return;
    }
    sweep_ = lane;
    connect(lane, &JobLane::finished, this, [this, lane, key = request.key](const engine::JobEnd& end) {
        if (pending_) {
            const Request next = std::move(*pending_);
            pending_.reset();
            launch(next);
            return;
        }
        if (end.status == engine::JobStatus::Failed)
            showError(firstLine(end.error.c_str()));
        else if (const auto* result = lane->result<engine::SweepResult>())
            show(key, *result);
        else
            showError(tr("The evaluation was stopped."));
    });
}

void ActiveFractionTuner::showError(const QString& message) {
    error_->setText(message);
    error_->show();
    status_->setText(points_.empty() ? tr("No points yet.")
                                     : tr("Showing %1 (%2 points).")
                                           .arg(QString::fromStdString(shownCheckpoint_))
                                           .arg(points_.size()));
    emit evaluated();
}

void ActiveFractionTuner::show(const std::string& key, const engine::SweepResult& result) {
    error_->hide();
    if (key != shownKey_) points_.clear();
    shownKey_ = key;
    shownCheckpoint_ = result.checkpoint;
    for (const engine::ActiveFractionPoint& p : result.points) points_[keyOf(p.active_fraction)] = p;
    redraw();
    QString text = tr("%1 · %2 fractions evaluated").arg(QString::fromStdString(shownCheckpoint_)).arg(points_.size());
    const auto at = points_.find(keyOf(fraction()));
    if (at != points_.end())
        text += tr(" · at %1: accuracy %2, %3 ms (batch 1), %4 ms (batch 64), %5 of the parameters active")
                    .arg(at->first, 0, 'f', 3)
                    .arg(RunTableModel::formatAccuracy(at->second.test_accuracy))
                    .arg(at->second.latency_ms_b1, 0, 'f', 3)
                    .arg(at->second.latency_ms_b64, 0, 'f', 2)
                    .arg(QStringLiteral("%1%").arg(at->second.active_param_fraction * 100.0, 0, 'f', 1));
    status_->setText(text);
    emit evaluated();
}

void ActiveFractionTuner::redraw() {
    QVector<double> x, acc, b1, b64;
    for (const auto& [f, p] : points_) {
        x.push_back(f);
        acc.push_back(p.test_accuracy);
        b1.push_back(p.latency_ms_b1);
        b64.push_back(p.latency_ms_b64);
    }
    accuracy_->setData(x, acc, true);
    latencyB1_->setData(x, b1, true);
    latencyB64_->setData(x, b64, true);
    accuracyChart_->yAxis->setRange(0.0, 1.0);
    if (!x.isEmpty()) {
        const double accLow = *std::min_element(acc.begin(), acc.end());
        accuracyChart_->yAxis->setRange(std::max(0.0, accLow - 0.05), 1.0);
        const double top1 = *std::max_element(b1.begin(), b1.end());
        const double top64 = *std::max_element(b64.begin(), b64.end());
        latencyChart_->yAxis->setRange(0.0, top1 * 1.15 + 1e-6);
        latencyChart_->yAxis2->setRange(0.0, top64 * 1.15 + 1e-6);
    }
    updateHighlight();
}

void ActiveFractionTuner::updateHighlight() {
    const double f = keyOf(fraction());
    QVector<double> x, acc, b1, b64;
    const auto at = points_.find(f);
    if (at != points_.end()) {
        x = {f};
        acc = {at->second.test_accuracy};
        b1 = {at->second.latency_ms_b1};
        b64 = {at->second.latency_ms_b64};
    }
    accuracyMark_->setData(x, acc, true);
    latencyMarkB1_->setData(x, b1, true);
    latencyMarkB64_->setData(x, b64, true);
    for (QCPItemStraightLine* line : {accuracyCursor_, latencyCursor_}) {
        line->point1->setCoords(f, 0.0);
        line->point2->setCoords(f, 1.0);
    }
    accuracyChart_->replot(QCustomPlot::rpQueuedReplot);
    latencyChart_->replot(QCustomPlot::rpQueuedReplot);
}

void ActiveFractionTuner::refreshRuns() {
    const std::string db = workbench_->dbPath();
    runsTracker_.startJob(
        [db] {
            std::vector<RunEntry> out;
            try {
                profiler::RunReader reader(db);
                for (const profiler::RunRecord& run : reader.list_runs(50)) {
                    const QJsonObject config =
                        QJsonDocument::fromJson(QByteArray::fromStdString(run.config_json)).object();
                    if (config.value(QStringLiteral("model")).toString() != QLatin1String("gated-mlp")) continue;
                    const auto artifacts = reader.artifacts(run.id);
                    if (std::none_of(artifacts.begin(), artifacts.end(),
                                     [](const profiler::Artifact& a) { return a.kind == "checkpoint"; }))
                        continue;
                    QString label = QObject::tr("Run %1 · %2").arg(run.id).arg(QString::fromStdString(run.name));
                    if (run.test_accuracy)
                        label += QStringLiteral(" · ") + RunTableModel::formatAccuracy(*run.test_accuracy);
                    out.push_back({run.id, label});
                }
            } catch (const std::exception&) {
                // The history is optional here: without it the chooser offers the current run
                // and checkpoint files, and the History page reports the database problem.
            }
            return out;
        },
        [this](std::vector<RunEntry> runs) { showRuns(std::move(runs)); });
}

void ActiveFractionTuner::showRuns(std::vector<RunEntry> runs) {
    const bool wasRun = chooser_->currentData(kKindRole).toInt() == HistoryRun;
    const qint64 selected = chooser_->currentData(kRunRole).toLongLong();
    for (int i = chooser_->count() - 1; i > 0; --i)
        if (chooser_->itemData(i, kKindRole).toInt() == HistoryRun) chooser_->removeItem(i);
    int index = 1;
    for (const RunEntry& run : runs) {
        chooser_->insertItem(index, run.label, int(HistoryRun));
        chooser_->setItemData(index, qint64(run.id), kRunRole);
        if (wasRun && run.id == selected) chooser_->setCurrentIndex(index);
        ++index;
    }
}

}  // namespace sparq::ui
