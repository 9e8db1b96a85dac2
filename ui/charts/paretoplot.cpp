#include "charts/paretoplot.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <QMouseEvent>
#include <QToolTip>

#include "charts/plotframe.h"
#include "sparq/profiler/compare.h"

namespace sparq::ui {
namespace {

constexpr int kMaxFrontLabels = 25;

const QColor kCloudColor(31, 119, 180);
const QColor kFrontColor(214, 39, 40);

}  // namespace

ParetoPlot::ParetoPlot(const QString& title, const QString& pointsName, QWidget* parent) : QCustomPlot(parent) {
    frameChart(this, title);
    setMinimumSize(320, 240);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    cloud_ = addGraph();
    cloud_->setName(pointsName);
    cloud_->setLineStyle(QCPGraph::lsNone);
    QColor fill = kCloudColor;
    fill.setAlpha(60);
    cloud_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(kCloudColor, 1.2), QBrush(fill), 7));
    frontier_ = addGraph();
    frontier_->setName(tr("Pareto frontier"));
    frontier_->setPen(QPen(kFrontColor, 2.0));
    frontier_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QPen(kFrontColor), QBrush(kFrontColor), 8));
    // The legend goes under the chart, where it never hides a point of the frontier.
    legend->setVisible(true);
    axisRect()->insetLayout()->take(legend);
    auto* legendRow = new QCPLayoutGrid;
    plotLayout()->addElement(plotLayout()->rowCount(), 0, legendRow);
    plotLayout()->setRowStretchFactor(plotLayout()->rowCount() - 1, 0.001);
    legendRow->addElement(0, 0, legend);
    legendRow->addElement(0, 1, new QCPLayoutElement(this));  // takes the rest of the row
    legendRow->setColumnStretchFactor(0, 0.001);
    legendRow->setMargins(QMargins(axisRect()->margins().left(), 0, 0, 0));
    legend->setFillOrder(QCPLegend::foColumnsFirst);
    legend->setBorderPen(Qt::NoPen);
    placeholder_ = addPlaceholder(this);
    setMouseTracking(true);
    connect(this, &QCustomPlot::mouseMove, this, &ParetoPlot::showToolTip);
}

std::vector<std::size_t> ParetoPlot::frontier(const std::vector<Point>& points, bool xHigherIsBetter,
                                              bool yHigherIsBetter) {
    std::vector<profiler::ParetoPoint> pts;
    pts.reserve(points.size());
    for (const Point& p : points) pts.push_back({p.x, p.y});
    std::vector<std::size_t> front = profiler::pareto_front(pts, xHigherIsBetter, yHigherIsBetter);
    std::sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) {
        return std::tie(points[a].x, points[a].y) < std::tie(points[b].x, points[b].y);
    });
    return front;
}

void ParetoPlot::setPoints(std::vector<Point> points, const Axis& x, const Axis& y, const QString& emptyText) {
    points_ = std::move(points);
    x_ = x;
    y_ = y;
    front_ = frontier(points_, x.higherIsBetter, y.higherIsBetter);

    QVector<double> cx, cy, fx, fy;
    for (const Point& p : points_) {
        cx.append(p.x);
        cy.append(p.y);
    }
    for (std::size_t k : front_) {
        fx.append(points_[k].x);
        fy.append(points_[k].y);
    }
    cloud_->setData(cx, cy);
    // Ordered by x (not key-sorted), so the line walks the frontier in order.
    frontier_->setData(fx, fy, true);

    const auto arrow = [](bool up) { return up ? QStringLiteral(" ↑") : QStringLiteral(" ↓"); };
    xAxis->setLabel(x.name + arrow(x.higherIsBetter));
    yAxis->setLabel(y.name + arrow(y.higherIsBetter));
    if (!points_.empty()) {
        rescaleAxes();
        for (QCPAxis* axis : {xAxis, yAxis}) {
            const QCPRange r = axis->range();
            const double pad = r.size() > 0 ? r.size() * 0.08 : std::max(1e-3, std::abs(r.center()) * 0.05);
            axis->setRange(r.lower - pad, r.upper + pad);
        }
    }

    // The frontier's points are named next to them, on the side with room.
    clearItems();
    placeholder_ = addPlaceholder(this);
    placeholder_->setText(points_.empty() ? emptyText : QString());
    if (int(front_.size()) <= kMaxFrontLabels) {
        const double middle = xAxis->range().center();
        for (std::size_t k : front_) {
            const Point& p = points_[k];
            const bool right = p.x <= middle;
            auto* label = new QCPItemText(this);
            label->position->setCoords(p.x, p.y);
            label->setPositionAlignment((right ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignBottom);
            label->setPadding(right ? QMargins(6, 0, 0, 4) : QMargins(0, 0, 6, 4));
            label->setColor(kFrontColor.darker(130));
            label->setText(p.label);
            label->setClipToAxisRect(true);
        }
    }
    replot(QCustomPlot::rpQueuedReplot);
}

QString ParetoPlot::placeholderText() const { return placeholder_->text(); }

void ParetoPlot::showToolTip(QMouseEvent* event) {
    const QPointF pos = event->position();
    double best = 10.0;  // pixels
    const Point* hit = nullptr;
    for (const Point& p : points_) {
        const double d = std::hypot(xAxis->coordToPixel(p.x) - pos.x(), yAxis->coordToPixel(p.y) - pos.y());
        if (d < best) {
            best = d;
            hit = &p;
        }
    }
    if (!hit) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("%1\n%2: %3\n%4: %5")
                           .arg(hit->title, x_.name, QString::number(hit->x, 'g', 5), y_.name,
                                QString::number(hit->y, 'g', 5)),
                       this);
}

}  // namespace sparq::ui
