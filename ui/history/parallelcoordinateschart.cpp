#include "history/parallelcoordinateschart.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>

#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "charts/plotframe.h"

namespace sparq::ui {
namespace {

// Perceptually ordered, readable on white: low accuracy purple, high accuracy yellow-green.
QColor accuracyColor(double t) {
    static const QColor stops[] = {QColor(68, 1, 84), QColor(59, 82, 139), QColor(33, 145, 140),
                                   QColor(94, 201, 98), QColor(190, 210, 30)};
    t = std::clamp(t, 0.0, 1.0) * 4.0;
    const int i = std::min(3, int(t));
    const double f = t - i;
    const QColor& a = stops[i];
    const QColor& b = stops[i + 1];
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * f), float(a.greenF() + (b.greenF() - a.greenF()) * f),
                            float(a.blueF() + (b.blueF() - a.blueF()) * f));
}

QString number(double v) { return QString::number(v, 'g', 4); }

}  // namespace

ParallelCoordinatesChart::ParallelCoordinatesChart(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    caption_ = new QLabel(this);
    caption_->setObjectName(QStringLiteral("parallelCaption"));
    caption_->setWordWrap(true);
    layout->addWidget(caption_);
    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("parallelChart"));
    frameChart(plot_, tr("Configuration and results"));
    plot_->yAxis->setVisible(false);
    plot_->yAxis->grid()->setVisible(false);
    plot_->xAxis->grid()->setPen(QPen(QColor(120, 120, 120), 1.0));
    plot_->xAxis->grid()->setZeroLinePen(Qt::NoPen);
    plot_->xAxis->setTickLabelRotation(30);
    plot_->xAxis->setSubTicks(false);
    plot_->setMinimumSize(320, 240);
    placeholder_ = addPlaceholder(plot_);
    layout->addWidget(plot_, 1);
    setRuns({}, {}, QString());
}

void ParallelCoordinatesChart::setRuns(const std::vector<const profiler::RunRecord*>& allRuns,
                                       const RunNumbersById& numbers, const QString& caption) {
    plot_->clearGraphs();
    plot_->clearItems();
    placeholder_ = addPlaceholder(plot_);
    axes_.clear();
    lines_ = 0;

    std::vector<const profiler::RunRecord*> runs(allRuns.begin(),
                                                 allRuns.begin() + std::min<std::size_t>(allRuns.size(), kMaxRuns));
    static const RunNumbers kNone;
    std::vector<const RunNumbers*> nums;
    for (const profiler::RunRecord* r : runs) {
        const auto it = numbers.find(r->id);
        nums.push_back(it == numbers.end() ? &kNone : &it->second);
    }

    // Axes: the configuration fields that vary, then the metrics that vary, then accuracy.
    const auto varies = [&](const RunField& f) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (std::size_t i = 0; i < runs.size(); ++i)
            if (auto v = fieldValue(f.id, runs[i]->test_accuracy, *nums[i]); v && std::isfinite(*v)) {
                lo = std::min(lo, *v);
                hi = std::max(hi, *v);
            }
        return runs.size() == 1 ? lo <= hi : lo < hi;
    };
    std::vector<RunField> config, metrics;
    for (const RunField& f : numericFields(nums, false, true))
        if (varies(f)) config.push_back(f);
    for (const RunField& f : numericFields(nums, true, false))
        if (f.id != QLatin1String("summary.test_accuracy") && varies(f)) metrics.push_back(f);
    const RunField accuracy = namedMeasures().front();
    const bool withAccuracy = varies(accuracy);
    const int room = kMaxAxes - (withAccuracy ? 1 : 0);
    const int configRoom = std::min<int>(int(config.size()), std::max(room / 2, room - int(metrics.size())));
    const int dropped = std::max(0, int(config.size()) - configRoom) +
                        std::max(0, int(metrics.size()) - (room - configRoom));
    axes_.assign(config.begin(), config.begin() + configRoom);
    axes_.insert(axes_.end(), metrics.begin(), metrics.begin() + std::min<int>(int(metrics.size()), room - configRoom));
    if (withAccuracy) axes_.push_back(accuracy);

    QString text = caption;
    if (allRuns.size() > runs.size())
        text += tr(" — the first %1 of %2 are drawn; select runs to choose which").arg(runs.size()).arg(allRuns.size());
    if (dropped > 0) text += tr(" — %1 more varying fields have no axis").arg(dropped);
    caption_->setText(text);

    if (runs.empty() || axes_.empty()) {
        placeholder_->setText(runs.empty() ? tr("No runs to draw: select runs, or widen the filter")
                                           : tr("These runs have no numeric configuration or result that differs"));
        plot_->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTickerText));
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }

    // Each axis scaled to its range, labelled with its extremes.
    const int k = int(axes_.size());
    std::vector<double> lo(std::size_t(k), std::numeric_limits<double>::infinity()), hi(std::size_t(k), -lo[0]);
    std::vector<std::vector<std::optional<double>>> values(runs.size(), std::vector<std::optional<double>>(std::size_t(k)));
    for (std::size_t i = 0; i < runs.size(); ++i)
        for (int a = 0; a < k; ++a) {
            auto v = fieldValue(axes_[std::size_t(a)].id, runs[i]->test_accuracy, *nums[i]);
            if (!v || !std::isfinite(*v)) continue;
            values[i][std::size_t(a)] = v;
            lo[std::size_t(a)] = std::min(lo[std::size_t(a)], *v);
            hi[std::size_t(a)] = std::max(hi[std::size_t(a)], *v);
        }
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int a = 0; a < k; ++a) {
        ticker->addTick(a, axes_[std::size_t(a)].label);
        for (const auto& [y, v, align] : {std::tuple{1.0, hi[std::size_t(a)], Qt::AlignBottom},
                                          std::tuple{0.0, lo[std::size_t(a)], Qt::AlignTop}}) {
            auto* label = new QCPItemText(plot_);
            label->position->setCoords(a, y);
            label->setPositionAlignment(Qt::AlignHCenter | align);
            label->setText(std::isfinite(v) ? number(v) : QString());
            label->setFont(QFont(font().family(), std::max(6, font().pointSize() - 2)));
            label->setColor(QColor(80, 80, 80));
            label->setPadding(QMargins(2, 1, 2, 1));
        }
    }
    plot_->xAxis->setTicker(ticker);

    const std::size_t accuracyAxis = withAccuracy ? std::size_t(k - 1) : std::size_t(k);
    const int alpha = runs.size() > 100 ? 90 : runs.size() > 20 ? 160 : 230;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        QVector<double> x(k), y(k);
        for (int a = 0; a < k; ++a) {
            const auto& v = values[i][std::size_t(a)];
            const double span = hi[std::size_t(a)] - lo[std::size_t(a)];
            x[a] = a;
            y[a] = !v ? std::numeric_limits<double>::quiet_NaN() : span > 0 ? (*v - lo[std::size_t(a)]) / span : 0.5;
        }
        QColor color(150, 150, 150);
        if (accuracyAxis < std::size_t(k) && values[i][accuracyAxis]) color = accuracyColor(y[int(accuracyAxis)]);
        color.setAlpha(alpha);
        QCPGraph* g = plot_->addGraph();
        g->setPen(QPen(color, runs.size() > 100 ? 1.0 : 1.8));
        g->setName(tr("Run %1").arg(runs[i]->id));
        g->setData(x, y, true);
        if (k == 1) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
        ++lines_;
    }
    placeholder_->setText(QString());
    plot_->xAxis->setRange(-0.5, k - 0.5);
    plot_->yAxis->setRange(-0.1, 1.1);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace sparq::ui
