#include "paretochart.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "plotframe.h"
#include "sparq/profiler/compare.h"

namespace sparq::ui {
namespace {

constexpr int kMaxFrontLabels = 25;

const QColor kFrontColor(214, 39, 40);

}  // namespace

ParetoChart::ParetoChart(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    const auto addAxis = [&](const QString& text, QComboBox*& combo, QCheckBox*& higher, const char* name) {
        combo = new QComboBox(this);
        combo->setObjectName(QString::fromLatin1(name));
        combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
        combo->setMaxVisibleItems(20);
        auto* label = new QLabel(text, this);
        label->setBuddy(combo);
        higher = new QCheckBox(tr("higher is better"), this);
        higher->setToolTip(tr("Which way this measure improves; the frontier follows it"));
        controls->addWidget(label);
        controls->addWidget(combo);
        controls->addWidget(higher);
        controls->addSpacing(16);
    };
    addAxis(tr("&X"), xCombo_, xHigher_, "paretoX");
    addAxis(tr("&Y"), yCombo_, yHigher_, "paretoY");
    controls->addStretch(1);
    layout->addLayout(controls);
    captionLabel_ = new QLabel(this);
    captionLabel_->setObjectName(QStringLiteral("paretoCaption"));
    captionLabel_->setWordWrap(true);
    layout->addWidget(captionLabel_);

    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("paretoChart"));
    frameChart(plot_, tr("Trade-off between two measures"));
    plot_->setMinimumSize(320, 240);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    cloud_ = plot_->addGraph();
    cloud_->setName(tr("runs"));
    cloud_->setLineStyle(QCPGraph::lsNone);
    cloud_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(31, 119, 180), 1.2),
                                            QBrush(QColor(31, 119, 180, 60)), 7));
    frontier_ = plot_->addGraph();
    frontier_->setName(tr("Pareto frontier"));
    frontier_->setPen(QPen(kFrontColor, 2.0));
    frontier_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QPen(kFrontColor), QBrush(kFrontColor), 8));
    // The legend goes under the chart, where it never hides a point of the frontier.
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->take(plot_->legend);
    auto* legendRow = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(plot_->plotLayout()->rowCount(), 0, legendRow);
    plot_->plotLayout()->setRowStretchFactor(plot_->plotLayout()->rowCount() - 1, 0.001);
    legendRow->addElement(0, 0, plot_->legend);
    legendRow->addElement(0, 1, new QCPLayoutElement(plot_));  // takes the rest of the row
    legendRow->setColumnStretchFactor(0, 0.001);
    legendRow->setMargins(QMargins(plot_->axisRect()->margins().left(), 0, 0, 0));
    plot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
    plot_->legend->setBorderPen(Qt::NoPen);
    placeholder_ = addPlaceholder(plot_);
    plot_->setMouseTracking(true);
    layout->addWidget(plot_, 1);

    connect(xCombo_, qOverload<int>(&QComboBox::activated), this, [this] { fieldChosen(xCombo_, xHigher_); });
    connect(yCombo_, qOverload<int>(&QComboBox::activated), this, [this] { fieldChosen(yCombo_, yHigher_); });
    for (QCheckBox* c : {xHigher_, yHigher_}) connect(c, &QCheckBox::toggled, this, &ParetoChart::redraw);
    connect(plot_, &QCustomPlot::mouseMove, this, &ParetoChart::showToolTip);

    fillCombos();
    redraw();
}

void ParetoChart::setRuns(const std::vector<const profiler::RunRecord*>& runs, SharedRunNumbers numbers,
                          const QString& caption) {
    runs_.clear();
    runs_.reserve(runs.size());
    for (const profiler::RunRecord* r : runs) runs_.push_back({r->id, QString::fromStdString(r->name), r->test_accuracy});
    numbers_ = std::move(numbers);
    caption_ = caption;
    fillCombos();
    redraw();
}

void ParetoChart::fillCombos() {
    static const RunNumbers kNone;
    std::vector<const RunNumbers*> nums;
    for (const Run& r : runs_) {
        const auto it = numbers_ ? numbers_->find(r.id) : RunNumbersById::const_iterator();
        nums.push_back(numbers_ && it != numbers_->end() ? &it->second : &kNone);
    }
    fields_ = namedMeasures();
    for (RunField& f : numericFields(nums, true, false))
        if (f.id != QLatin1String("summary.test_accuracy")) fields_.push_back(std::move(f));

    for (QComboBox* combo : {xCombo_, yCombo_}) {
        const QString current = combo->currentData().toString();
        const QSignalBlocker block(combo);
        combo->clear();
        for (std::size_t i = 0; i < fields_.size(); ++i) {
            if (i == namedMeasures().size()) combo->insertSeparator(combo->count());
            combo->addItem(fields_[i].label, fields_[i].id);
        }
        const int keep = combo->findData(current);
        if (keep >= 0) {
            combo->setCurrentIndex(keep);
            continue;
        }
        // First look: accuracy up the y axis, against the first other measure runs have.
        QString pick = QStringLiteral("@accuracy");
        if (combo == xCombo_) {
            pick = QStringLiteral("@latency");
            for (const char* id : {"@latency", "@size", "@active"}) {
                const bool any = std::any_of(runs_.begin(), runs_.end(), [&, id](const Run& r) {
                    const auto it = numbers_ ? numbers_->find(r.id) : RunNumbersById::const_iterator();
                    return numbers_ && it != numbers_->end() && fieldValue(QLatin1String(id), r.accuracy, it->second);
                });
                if (any) {
                    pick = QLatin1String(id);
                    break;
                }
            }
        }
        combo->setCurrentIndex(std::max(0, combo->findData(pick)));
        QCheckBox* higher = combo == xCombo_ ? xHigher_ : yHigher_;
        const QSignalBlocker blockCheck(higher);
        const auto f = std::find_if(fields_.begin(), fields_.end(),
                                    [&](const RunField& rf) { return rf.id == combo->currentData().toString(); });
        higher->setChecked(f != fields_.end() && f->higherIsBetter);
    }
}

void ParetoChart::fieldChosen(QComboBox* combo, QCheckBox* higher) {
    const QString id = combo->currentData().toString();
    const auto f = std::find_if(fields_.begin(), fields_.end(), [&](const RunField& rf) { return rf.id == id; });
    const QSignalBlocker block(higher);
    higher->setChecked(f != fields_.end() && f->higherIsBetter);
    redraw();
}

bool ParetoChart::setFields(const QString& xId, const QString& yId) {
    const int x = xCombo_->findData(xId), y = yCombo_->findData(yId);
    if (x < 0 || y < 0) return false;
    xCombo_->setCurrentIndex(x);
    yCombo_->setCurrentIndex(y);
    fieldChosen(xCombo_, xHigher_);
    fieldChosen(yCombo_, yHigher_);
    return true;
}

void ParetoChart::setHigherIsBetter(bool x, bool y) {
    {
        const QSignalBlocker bx(xHigher_), by(yHigher_);
        xHigher_->setChecked(x);
        yHigher_->setChecked(y);
    }
    redraw();
}

void ParetoChart::redraw() {
    const QString xId = xCombo_->currentData().toString(), yId = yCombo_->currentData().toString();
    points_.clear();
    plotted_.clear();
    front_.clear();
    for (std::size_t i = 0; i < runs_.size() && numbers_; ++i) {
        const auto it = numbers_->find(runs_[i].id);
        static const RunNumbers kNone;
        const RunNumbers& n = it == numbers_->end() ? kNone : it->second;
        const auto x = fieldValue(xId, runs_[i].accuracy, n), y = fieldValue(yId, runs_[i].accuracy, n);
        if (!x || !y || !std::isfinite(*x) || !std::isfinite(*y)) continue;
        points_.push_back({i, *x, *y});
        plotted_.push_back(runs_[i].id);
    }

    std::vector<profiler::ParetoPoint> pts;
    for (const Point& p : points_) pts.push_back({p.x, p.y});
    std::vector<std::size_t> front = profiler::pareto_front(pts, xHigher_->isChecked(), yHigher_->isChecked());
    std::sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) {
        return std::tie(points_[a].x, points_[a].y) < std::tie(points_[b].x, points_[b].y);
    });

    QVector<double> cx, cy, fx, fy;
    for (const Point& p : points_) {
        cx.append(p.x);
        cy.append(p.y);
    }
    for (std::size_t k = 0; k < front.size(); ++k) {
        const Point& p = points_[front[k]];
        fx.append(p.x);
        fy.append(p.y);
        front_.push_back(runs_[p.run].id);
    }
    cloud_->setData(cx, cy);
    // Ordered by x (not key-sorted), so the line walks the frontier in order.
    frontier_->setData(fx, fy, true);

    const auto labelOf = [&](const QString& id) {
        const auto f = std::find_if(fields_.begin(), fields_.end(), [&](const RunField& rf) { return rf.id == id; });
        return f == fields_.end() ? id : f->label;
    };
    const auto arrow = [](bool up) { return up ? QStringLiteral(" ↑") : QStringLiteral(" ↓"); };
    plot_->xAxis->setLabel(labelOf(xId) + arrow(xHigher_->isChecked()));
    plot_->yAxis->setLabel(labelOf(yId) + arrow(yHigher_->isChecked()));

    QString caption = caption_;
    if (!points_.empty())
        caption += tr(" — %1 plotted, %2 on the frontier").arg(points_.size()).arg(front.size());
    if (points_.size() < runs_.size())
        caption += tr("; %1 without both values left out").arg(runs_.size() - points_.size());
    captionLabel_->setText(caption);

    if (!points_.empty()) {
        plot_->rescaleAxes();
        for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
            const QCPRange r = axis->range();
            const double pad = r.size() > 0 ? r.size() * 0.08 : std::max(1e-3, std::abs(r.center()) * 0.05);
            axis->setRange(r.lower - pad, r.upper + pad);
        }
    }
    // The frontier's runs are named next to their points, on the side with room.
    plot_->clearItems();
    placeholder_ = addPlaceholder(plot_);
    placeholder_->setText(runs_.empty()    ? tr("No runs to compare: select runs, or widen the filter")
                          : points_.empty() ? tr("No run has both %1 and %2").arg(labelOf(xId), labelOf(yId))
                                            : QString());
    if (int(front.size()) <= kMaxFrontLabels) {
        const double middle = plot_->xAxis->range().center();
        for (std::size_t k : front) {
            const Point& p = points_[k];
            const bool right = p.x <= middle;
            auto* label = new QCPItemText(plot_);
            label->position->setCoords(p.x, p.y);
            label->setPositionAlignment((right ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignBottom);
            label->setPadding(right ? QMargins(6, 0, 0, 4) : QMargins(0, 0, 6, 4));
            label->setColor(kFrontColor.darker(130));
            label->setText(tr("Run %1").arg(runs_[p.run].id));
            label->setClipToAxisRect(true);
        }
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void ParetoChart::showToolTip(QMouseEvent* event) {
    const QPointF pos = event->position();
    double best = 10.0;  // pixels
    const Point* hit = nullptr;
    for (const Point& p : points_) {
        const double dx = plot_->xAxis->coordToPixel(p.x) - pos.x(), dy = plot_->yAxis->coordToPixel(p.y) - pos.y();
        const double d = std::hypot(dx, dy);
        if (d < best) {
            best = d;
            hit = &p;
        }
    }
    if (!hit) {
        QToolTip::hideText();
        return;
    }
    const Run& r = runs_[hit->run];
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("Run %1 · %2\n%3: %4\n%5: %6")
                           .arg(r.id)
                           .arg(r.name, xCombo_->currentText(), QString::number(hit->x, 'g', 5), yCombo_->currentText(),
                                QString::number(hit->y, 'g', 5)),
                       plot_);
}

}  // namespace sparq::ui
