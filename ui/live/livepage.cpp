#include "live/livepage.h"

#include <climits>

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStyle>
#include <QHeaderView>
#include <QSplitter>
#include <QTableWidget>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "charts/chartdrain.h"
#include "charts/chartfeed.h"
#include "core/joblane.h"
#include "charts/metricchartgrid.h"
#include "history/runtablemodel.h"
#include "core/workbench.h"

namespace sparq::ui {

LivePage::LivePage(Workbench* workbench, QWidget* parent)
    : QWidget(parent),
      workbench_(workbench),
      feed_(std::make_unique<ChartFeed>(workbench->bus(), MetricChartGrid::slotSeries())) {
    auto* layout = new QVBoxLayout(this);

    auto* header = new QHBoxLayout;
    title_ = new QLabel(tr("<h2>No job running</h2>"), this);
    title_->setObjectName(QStringLiteral("liveTitle"));
    header->addWidget(title_, 1);
    progress_ = new QProgressBar(this);
    progress_->setObjectName(QStringLiteral("liveProgress"));
    progress_->setMinimumWidth(260);
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(tr("idle"));
    header->addWidget(progress_);
    stop_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"), this);
    stop_->setObjectName(QStringLiteral("liveStopButton"));
    stop_->setToolTip(tr("Stop the running job (Ctrl+. or Esc)"));
    stop_->setEnabled(workbench_->isRunning(engine::JobKind::Train));
    connect(stop_, &QPushButton::clicked, this, [this] { workbench_->stop(engine::JobKind::Train); });
    header->addWidget(stop_);
    layout->addLayout(header);

    detail_ = new QLabel(tr("Start a job on the Launch page (Ctrl+1) to see its charts here."), this);
    detail_->setObjectName(QStringLiteral("liveDetail"));
    layout->addWidget(detail_);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    grid_ = new MetricChartGrid(splitter);
    epochs_ = new QTableWidget(0, 6, this);
    epochs_->setObjectName(QStringLiteral("epochTable"));
    epochs_->setHorizontalHeaderLabels({tr("Epoch"), tr("Train loss"), tr("Train acc."), tr("Test loss"),
                                        tr("Test acc."), tr("Time")});
    epochs_->verticalHeader()->hide();
    epochs_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    epochs_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    epochs_->setSelectionMode(QAbstractItemView::NoSelection);
    epochs_->setFocusPolicy(Qt::NoFocus);
    epochs_->setAlternatingRowColors(true);
    epochs_->setMinimumSize(260, 180);
    grid_->setExtraWidget(epochs_);
    log_ = new QPlainTextEdit(splitter);
    log_->setObjectName(QStringLiteral("liveLog"));
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(2000);
    log_->setPlaceholderText(tr("Epoch summaries and job messages appear here."));
    splitter->addWidget(grid_);
    splitter->addWidget(log_);
    splitter->setStretchFactor(0, 5);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);

    // The page follows training jobs; the other kinds have their own views.
    connect(workbench_, &Workbench::laneStarted, this, [this](JobLane* lane) {
        if (lane->kind() != engine::JobKind::Train) return;
        lane_ = lane;
        stop_->setEnabled(true);
        title_->setText(tr("<h2>Starting %1…</h2>").arg(lane->name().toHtmlEscaped()));
        progress_->setRange(0, 0);  // busy until the first progress report
        progress_->setFormat(tr("starting"));
        log_->clear();
        epochs_->setRowCount(0);
        connect(lane, &JobLane::started, this, &LivePage::onStarted);
        connect(lane, &JobLane::progress, this, &LivePage::onProgress);
        connect(lane, &JobLane::epoch, this, &LivePage::onEpoch);
        connect(lane, &JobLane::log, this, &LivePage::onLog);
        connect(lane, &JobLane::finished, this, &LivePage::onFinished);
    });

    timer_ = new QTimer(this);
    timer_->setInterval(33);
    connect(timer_, &QTimer::timeout, this, &LivePage::drainFeed);
    timer_->start();
}

LivePage::~LivePage() = default;

void LivePage::drainFeed() {
    ChartFeed::Update update = feed_->take();
    MetricChartGrid::Touched touched{};
    for (int slot = 0; slot < int(update.series.size()); ++slot)
        if (drainSeries(grid_->graph(slot), update.series[std::size_t(slot)]))
            touched[std::size_t(MetricChartGrid::chartOfSlot(slot))] = true;
    grid_->refresh(touched);
}

void LivePage::onStarted(qint64 runId, const QString& device) {
    if (!lane_) return;
    feed_->set_run(runId);
    const auto& spec = lane_->spec<engine::TrainSpec>();
    title_->setText(tr("<h2>Run %1 — %2</h2>")
                        .arg(runId)
                        .arg(QString::fromStdString(spec.name).toHtmlEscaped()));
    detail_->setText(tr("Preset %1 · model %2 · optimizer %3 · batch %4 · on %5")
                         .arg(QString::fromStdString(spec.preset.empty() ? "—" : spec.preset),
                              QString::fromStdString(spec.model),
                              QString::fromStdString(spec.optimizer))
                         .arg(spec.batch_size)
                         .arg(device));
    appendLog(tr("run %1 started on %2").arg(runId).arg(device.toHtmlEscaped()));
}

void LivePage::onProgress(const engine::JobProgress& p) {
    const qint64 total = qint64(p.epochs) * p.batches;
    if (total > 0 && total < INT_MAX) {
        progress_->setRange(0, int(total));
        progress_->setValue(int(qint64(p.epoch - 1) * p.batches + p.batch));
    }
    progress_->setFormat(tr("epoch %1/%2 · %p%").arg(p.epoch).arg(p.epochs));
    detail_->setText(tr("Epoch %1 of %2 · batch %3/%4 · loss %5 · %6 samples/s")
                         .arg(p.epoch)
                         .arg(p.epochs)
                         .arg(p.batch)
                         .arg(p.batches)
                         .arg(p.loss, 0, 'f', 4)
                         .arg(QLocale().toString(p.samples_per_s, 'f', 0)));
}

void LivePage::onEpoch(const engine::EpochReport& r) {
    const int row = epochs_->rowCount();
    epochs_->insertRow(row);
    const QString cells[] = {
        QString::number(r.epoch),
        QString::number(r.train_loss, 'f', 4),
        RunTableModel::formatAccuracy(r.train_accuracy),
        QString::number(r.test_loss, 'f', 4),
        RunTableModel::formatAccuracy(r.test_accuracy),
        RunTableModel::formatDuration(r.seconds),
    };
    for (int c = 0; c < 6; ++c) {
        auto* item = new QTableWidgetItem(cells[c]);
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        epochs_->setItem(row, c, item);
    }
    epochs_->scrollToBottom();
}

void LivePage::onLog(const QString& level, const QString& message) {
    QString text = message.toHtmlEscaped();
    if (level == QLatin1String("error"))
        text = QStringLiteral("<span style='color:#c02020'>%1</span>").arg(text);
    else if (level == QLatin1String("warning") || level == QLatin1String("warn"))
        text = QStringLiteral("<span style='color:#b07000'>%1</span>").arg(text);
    appendLog(text);
}

void LivePage::onFinished(const engine::JobEnd& end) {
    drainFeed();
    stop_->setEnabled(false);
    const QString status = QString::fromUtf8(engine::to_string(end.status));
    progress_->setRange(0, 1);
    progress_->setValue(end.status == engine::JobStatus::Completed ? 1 : 0);
    progress_->setFormat(status);
    title_->setText(tr("<h2>Run %1 — %2</h2>").arg(end.run_id).arg(status));
    const engine::TrainResult* result = lane_ ? lane_->result<engine::TrainResult>() : nullptr;
    if (end.status == engine::JobStatus::Failed || !result) {
        detail_->setText(tr("Failed: %1").arg(QString::fromStdString(end.error)));
        appendLog(QStringLiteral("<span style='color:#c02020'>%1</span>")
                      .arg(tr("failed: %1").arg(QString::fromStdString(end.error).toHtmlEscaped())));
        return;
    }
    const engine::TrainResult& r = *result;
    detail_->setText(tr("%1 epochs · test accuracy %2 (best %3) · %4 samples/s · %5 · peak RSS %6 MB")
                         .arg(r.epochs)
                         .arg(RunTableModel::formatAccuracy(r.test_accuracy),
                              RunTableModel::formatAccuracy(r.best_test_accuracy),
                              QLocale().toString(r.train_samples_per_s, 'f', 0),
                              RunTableModel::formatDuration(r.wall_s))
                         .arg(r.peak_rss_mb, 0, 'f', 0));
    appendLog(tr("%1 after %2").arg(status, RunTableModel::formatDuration(r.wall_s)));
}

void LivePage::appendLog(const QString& html) {
    log_->appendHtml(QStringLiteral("<span style='color:gray'>%1</span>&nbsp;%2")
                         .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), html));
}

}  // namespace sparq::ui
