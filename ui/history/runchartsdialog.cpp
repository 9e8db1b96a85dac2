#include "history/runchartsdialog.h"

#include <algorithm>
#include <exception>
#include <limits>

#include <QDateTime>
#include <QDialogButtonBox>
#include <QPlainTextEdit>
#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "charts/metricchartgrid.h"
#include "history/runtablemodel.h"

namespace sparq::ui {

RunChartsDialog::RunChartsDialog(std::string dbPath, profiler::RunRecord run, QWidget* parent)
    : QDialog(parent), dbPath_(std::move(dbPath)), run_(std::move(run)) {
    setWindowTitle(tr("Run %1 — %2").arg(run_.id).arg(QString::fromStdString(run_.name)));
    resize(1000, 720);

    auto* layout = new QVBoxLayout(this);
    QString summary = tr("<b>Run %1</b> · %2 · preset %3 · %4")
                          .arg(run_.id)
                          .arg(QString::fromStdString(run_.name).toHtmlEscaped(),
                               QString::fromStdString(run_.preset.empty() ? "—" : run_.preset).toHtmlEscaped(),
                               QString::fromStdString(run_.status).toHtmlEscaped());
    if (run_.test_accuracy)
        summary += tr(" · test accuracy %1").arg(RunTableModel::formatAccuracy(*run_.test_accuracy));
    if (run_.started_ns) summary += tr(" · %1").arg(RunTableModel::formatDuration(run_.duration_s()));
    layout->addWidget(new QLabel(summary, this));

    status_ = new QLabel(tr("Loading series…"), this);
    status_->setObjectName(QStringLiteral("chartsStatus"));
    layout->addWidget(status_);

    grid_ = new MetricChartGrid(this);
    events_ = new QPlainTextEdit;
    events_->setObjectName(QStringLiteral("runEvents"));
    events_->setReadOnly(true);
    events_->setPlaceholderText(tr("Run events"));
    grid_->setExtraWidget(events_);
    layout->addWidget(grid_, 1);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    const std::string path = dbPath_;
    const profiler::RunId id = run_.id;
    tracker_.startJob(
        [path, id]() {
            Loaded out;
            try {
                profiler::RunReader reader(path);
                out.series = reader.load_series(id, MetricChartGrid::slotSeries());
                out.events = reader.events(id);
            } catch (const std::exception& e) {
                out.error = QString::fromUtf8(e.what());
            }
            return out;
        },
        [this](Loaded result) { display(std::move(result)); });
}

void RunChartsDialog::display(Loaded result) {
    loaded_ = true;
    if (!result.error.isEmpty()) {
        status_->setText(tr("<span style='color:#c02020'>Could not load the series: %1</span>")
                             .arg(result.error.toHtmlEscaped()));
        emit loaded();
        return;
    }
    // One time origin for all series, as on the live page: the run's first sample.
    std::int64_t t0 = std::numeric_limits<std::int64_t>::max();
    std::size_t points = 0;
    for (const auto& s : result.series) {
        if (!s.time_ns.empty()) t0 = std::min(t0, *std::min_element(s.time_ns.begin(), s.time_ns.end()));
        points += s.value.size();
    }
    for (const auto& s : result.series) {
        const int slot = MetricChartGrid::slotOf(s.name);
        if (slot < 0) continue;
        const std::size_t n = std::min(s.time_ns.size(), s.value.size());
        QVector<double> x(qsizetype(n), 0.0);
        QVector<double> y(qsizetype(n), 0.0);
        for (std::size_t i = 0; i < n; ++i) {
            x[qsizetype(i)] = double(s.time_ns[i] - t0) * 1e-9;
            y[qsizetype(i)] = s.value[i];
        }
        grid_->setPoints(slot, x, y);
    }
    grid_->refreshAll();
    for (const profiler::RunEvent& e : result.events) {
        QString line = QStringLiteral("%1 %2: %3")
                           .arg(QDateTime::fromMSecsSinceEpoch(e.time_ns / 1000000)
                                    .toLocalTime()
                                    .toString(QStringLiteral("HH:mm:ss")),
                                QString::fromStdString(e.kind).toHtmlEscaped(),
                                QString::fromStdString(e.message).toHtmlEscaped());
        if (e.level == "error") line = QStringLiteral("<span style='color:#c02020'>%1</span>").arg(line);
        events_->appendHtml(line);
    }
    status_->setText(points ? tr("%1 points in %2 series").arg(points).arg(result.series.size())
                            : tr("This run has no recorded series."));
    emit loaded();
}

}  // namespace sparq::ui
