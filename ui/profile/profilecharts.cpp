#include "profile/profilecharts.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "charts/plotframe.h"

namespace sparq::ui {
namespace {

// Every chart's axis rect has the same side margins, so that one time lines up across them.
constexpr int kLeftMargin = 78;
constexpr int kRightMargin = 66;
constexpr int kChartHeight = 170;
constexpr int kEmptyChartHeight = 96;  // an empty chart keeps its title and says why, in less room
constexpr double kMarkerPickPixels = 4.0;
constexpr int kLegendLines = 8;  // per-core lines past this leave the legend out

QPen markerPen(const TimelineMarker& m) {
    switch (m.kind) {
    case TimelineMarker::Kind::AlertFired:
        return QPen(m.level == QLatin1String("error") ? QColor(192, 32, 32) : QColor(224, 128, 0), 1.6);
    case TimelineMarker::Kind::AlertCleared: return QPen(QColor(110, 110, 110, 160), 1.2, Qt::DotLine);
    case TimelineMarker::Kind::Stage: break;
    }
    return QPen(QColor(60, 90, 200), 1.0, Qt::DashLine);
}

// An item spanning the axis rect's height at time x (the value axis may be logarithmic, so
// its coordinates are not used).
void atTime(QCPItemPosition* p, double x, double ratioY) {
    p->setTypeX(QCPItemPosition::ptPlotCoords);
    p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    p->setCoords(x, ratioY);
}

}  // namespace

ProfileCharts::ProfileCharts(QWidget* parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    column_ = new QVBoxLayout(this);
    column_->setContentsMargins(0, 0, 0, 0);
    column_->setSpacing(2);
    charts_.resize(std::size_t(kProfileChartCount));
    for (int i = 0; i < kProfileChartCount; ++i) {
        const ProfileChartInfo info = profileChartInfo(ProfileChart(i));
        Chart& c = charts_[std::size_t(i)];
        c.plot = new QCustomPlot(this);
        c.plot->setObjectName(QStringLiteral("profileChart%1").arg(i));
        c.plot->setFixedHeight(kChartHeight);  // until updatePlaceholders() sees it empty
        c.plot->setFocusPolicy(Qt::ClickFocus);
        frameChart(c.plot, info.title);
        QCPAxisRect* rect = c.plot->axisRect();
        rect->setAutoMargins(QCP::msTop | QCP::msBottom);
        rect->setMargins(QMargins(kLeftMargin, 0, kRightMargin, 0));
        rect->setRangeDrag(Qt::Horizontal);
        rect->setRangeZoom(Qt::Horizontal);
        rect->setRangeZoomFactor(0.85);
        c.plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
        c.plot->yAxis->setLabel(info.yLabel);
        if (info.logY) {
            c.plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
            c.plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        }
        if (!info.y2Label.isEmpty()) {
            c.plot->yAxis2->setVisible(true);
            c.plot->yAxis2->setLabel(info.y2Label);
        }
        if (i == kProfileChartCount - 1) c.plot->xAxis->setLabel(tr("seconds since the run's start"));
        c.plot->xAxis->setRange(0, 10);
        c.plot->legend->setVisible(false);
        c.plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
        c.plot->legend->setBrush(QColor(255, 255, 255, 200));
        c.placeholder = addPlaceholder(c.plot);
        c.placeholder->setBrush(QColor(255, 255, 255, 215));  // readable over markers and the band
        c.placeholder->setPadding(QMargins(6, 2, 6, 2));
        c.band = new QCPItemRect(c.plot);
        c.band->setPen(QPen(QColor(60, 120, 220, 150)));
        c.band->setBrush(QColor(60, 120, 220, 45));
        c.band->setVisible(false);
        c.plot->installEventFilter(this);
        QCustomPlot* plot = c.plot;
        connect(plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
                [this, plot](const QCPRange& r) { onAxisChanged(plot, r); });
        column_->addWidget(c.plot);
    }
    updatePlaceholders();
}

QCPGraph* ProfileCharts::graph(const std::string& series) const {
    const auto it = graphs_.find(series);
    return it == graphs_.end() ? nullptr : it->second;
}

QString ProfileCharts::placeholderText(ProfileChart c) const { return charts_[std::size_t(c)].placeholder->text(); }

int ProfileCharts::markerCount(ProfileChart c) const {
    const Chart& chart = charts_[std::size_t(c)];
    return int(std::count_if(chart.markers.begin(), chart.markers.end(),
                             [](QCPAbstractItem* item) { return qobject_cast<QCPItemLine*>(item) != nullptr; }));
}

void ProfileCharts::clear() {
    for (Chart& c : charts_) {
        for (QCPAbstractItem* item : c.markers) c.plot->removeItem(item);
        c.markers.clear();
        c.plot->clearGraphs();
        c.plot->legend->setVisible(false);
        c.lines = 0;
        c.band->setVisible(false);
        c.touched = true;
    }
    graphs_.clear();
    markers_.clear();
    range_.reset();
    selecting_ = -1;
    lastT_ = 0.0;
    following_ = true;
    applyX(0.0, 10.0, nullptr);
    updatePlaceholders();
}

void ProfileCharts::addPoints(const std::string& series, const std::vector<TimedPoint>& points, bool reset) {
    QCPGraph*& g = graphs_[series];
    if (!g) {
        const auto line = profileLineOf(series);
        if (!line || points.empty()) {
            graphs_.erase(series);
            return;
        }
        Chart& c = charts_[std::size_t(line->chart)];
        g = c.plot->addGraph(c.plot->xAxis, line->right ? c.plot->yAxis2 : c.plot->yAxis);
        g->setName(line->label);
        QPen pen(lineColor(c.lines), 1.4);
        if (line->right) pen.setStyle(Qt::DashLine);
        g->setPen(pen);
        g->setAdaptiveSampling(true);
        ++c.lines;
        c.plot->legend->setVisible(line->chart != ProfileChart::CpuCores || c.lines <= kLegendLines);
    }
    Chart& c = charts_[std::size_t(profileLineOf(series)->chart)];
    if (reset) g->data()->clear();
    QVector<double> keys, values;
    keys.reserve(qsizetype(points.size()));
    values.reserve(qsizetype(points.size()));
    for (const TimedPoint& p : points) {
        keys.push_back(p.t);
        values.push_back(p.v);
        lastT_ = std::max(lastT_, p.t);
    }
    g->addData(keys, values, false);
    c.touched = true;
}

void ProfileCharts::setMarkers(const std::vector<TimelineMarker>& markers) {
    markers_ = markers;
    for (std::size_t i = 0; i < charts_.size(); ++i) {
        Chart& c = charts_[i];
        for (QCPAbstractItem* item : c.markers) c.plot->removeItem(item);
        c.markers.clear();
        for (const TimelineMarker& m : markers_) {
            auto* line = new QCPItemLine(c.plot);
            atTime(line->start, m.t, 0.0);
            atTime(line->end, m.t, 1.0);
            line->setPen(markerPen(m));
            c.markers.push_back(line);
            // Stage names once, on the top chart; every chart has the tooltips.
            if (i == 0 && m.kind == TimelineMarker::Kind::Stage) {
                auto* label = new QCPItemText(c.plot);
                atTime(label->position, m.t, 0.0);
                label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
                label->setPadding(QMargins(3, 1, 3, 1));
                label->setColor(markerPen(m).color());
                label->setText(m.label);
                c.markers.push_back(label);
            }
        }
        c.touched = true;
    }
}

void ProfileCharts::setStatus(const ProfilerStatus& status, bool live) {
    status_ = status;
    live_ = live;
    for (Chart& c : charts_) c.touched = true;
    updatePlaceholders();
}

void ProfileCharts::updatePlaceholders() {
    for (int i = 0; i < kProfileChartCount; ++i) {
        Chart& c = charts_[std::size_t(i)];
        bool hasData = false;
        for (int g = 0; g < c.plot->graphCount() && !hasData; ++g) hasData = !c.plot->graph(g)->data()->isEmpty();
        const QString text = hasData ? QString() : profileEmptyText(ProfileChart(i), status_, live_);
        if (c.placeholder->text() != text) {
            c.placeholder->setText(text);
            c.touched = true;
        }
        const bool compact = c.plot->maximumHeight() == kEmptyChartHeight;
        if (hasData == compact) {
            if (hasData) {
                c.plot->setMinimumHeight(kChartHeight);
                c.plot->setMaximumHeight(QWIDGETSIZE_MAX);
            } else {
                c.plot->setFixedHeight(kEmptyChartHeight);
            }
            // An empty chart's value axis has nothing to mark.
            for (QCPAxis* axis : {c.plot->yAxis, c.plot->yAxis2}) {
                axis->setTicks(hasData);
                axis->setTickLabels(hasData);
            }
            c.touched = true;
        }
    }
}

void ProfileCharts::rescaleValues(Chart& c) {
    const QCPRange keys = c.plot->xAxis->range();
    for (QCPAxis* axis : {c.plot->yAxis, c.plot->yAxis2}) {
        if (!axis->visible()) continue;
        const bool log = axis->scaleType() == QCPAxis::stLogarithmic;
        QCPRange total;
        bool any = false;
        for (int g = 0; g < c.plot->graphCount(); ++g) {
            QCPGraph* graph = c.plot->graph(g);
            if (graph->valueAxis() != axis) continue;
            bool found = false;
            const QCPRange r = graph->getValueRange(found, log ? QCP::sdPositive : QCP::sdBoth, keys);
            if (!found) continue;
            if (!any)
                total = r;
            else
                total.expand(r);
            any = true;
        }
        if (!any) continue;
        if (log) {
            axis->setRange(total.lower / 1.6, total.upper * 1.6);
        } else {
            const double pad = total.size() > 0 ? total.size() * 0.08 : std::max(1e-3, std::abs(total.center()) * 0.05);
            axis->setRange(total.lower - pad, total.upper + pad);
        }
    }
}

void ProfileCharts::refresh() {
    updatePlaceholders();
    if (following_) {
        const double upper = std::max(lastT_ * 1.02, 1.0);
        const auto [lo, hi] = xRange();
        if (lo != 0.0 || hi != upper) applyX(0.0, upper, nullptr);
    }
    for (Chart& c : charts_) {
        if (!c.touched && !xMoved_) continue;
        rescaleValues(c);
        c.plot->replot(QCustomPlot::rpQueuedReplot);
        c.touched = false;
    }
    xMoved_ = false;
}

std::pair<double, double> ProfileCharts::xRange() const {
    const QCPRange r = charts_.front().plot->xAxis->range();
    return {r.lower, r.upper};
}

void ProfileCharts::applyX(double lower, double upper, QCustomPlot* source) {
    applying_ = true;
    for (Chart& c : charts_)
        if (c.plot != source) c.plot->xAxis->setRange(lower, upper);
    applying_ = false;
    xMoved_ = true;
    emit xRangeChanged(lower, upper);
}

void ProfileCharts::onAxisChanged(QCustomPlot* source, const QCPRange& range) {
    if (applying_) return;
    // A user's zoom or pan on one chart: the others follow, and the newest samples no longer
    // pull the axis along.
    following_ = false;
    applyX(range.lower, range.upper, source);
    for (Chart& c : charts_)
        if (c.plot != source) {
            rescaleValues(c);
            c.plot->replot(QCustomPlot::rpQueuedReplot);
        }
    rescaleValues(charts_[std::size_t(chartIndex(source))]);
    xMoved_ = false;
}

void ProfileCharts::setXRange(double lower, double upper) {
    if (!(upper > lower)) return;
    following_ = false;
    applyX(lower, upper, nullptr);
    refresh();
}

void ProfileCharts::zoomBy(double factor) {
    const auto [lo, hi] = xRange();
    const double centre = (lo + hi) / 2, half = (hi - lo) / 2 * factor;
    setXRange(centre - half, centre + half);
}

void ProfileCharts::panBy(double fraction) {
    const auto [lo, hi] = xRange();
    const double d = (hi - lo) * fraction;
    setXRange(lo + d, hi + d);
}

void ProfileCharts::centerOn(double t) {
    const auto [lo, hi] = xRange();
    const double half = (hi - lo) / 2;
    setXRange(t - half, t + half);
}

void ProfileCharts::fitAll() {
    following_ = true;
    refresh();
}

void ProfileCharts::selectRange(double t0, double t1) {
    if (t1 < t0) std::swap(t0, t1);
    range_ = std::make_pair(t0, t1);
    showBand();
    emit rangeSelected(t0, t1);
}

void ProfileCharts::clearRange() {
    const bool had = range_.has_value();
    range_.reset();
    showBand();
    if (had) emit rangeCleared();
}

void ProfileCharts::showBand() {
    for (Chart& c : charts_) {
        c.band->setVisible(range_.has_value());
        if (range_) {
            atTime(c.band->topLeft, range_->first, 0.0);
            atTime(c.band->bottomRight, range_->second, 1.0);
        }
        c.plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

QString ProfileCharts::markerToolTipAt(ProfileChart c, double x) const {
    const QCPAxis* axis = charts_[std::size_t(c)].plot->xAxis;
    QStringList lines;
    for (const TimelineMarker& m : markers_)
        if (std::abs(axis->coordToPixel(m.t) - x) <= kMarkerPickPixels) lines << m.toolTip;
    return lines.join(QLatin1Char('\n'));
}

int ProfileCharts::chartIndex(QObject* plot) const {
    for (std::size_t i = 0; i < charts_.size(); ++i)
        if (charts_[i].plot == plot) return int(i);
    return -1;
}

bool ProfileCharts::handleKey(QKeyEvent* event) {
    switch (event->key()) {
    case Qt::Key_Left: panBy(-0.1); return true;
    case Qt::Key_Right: panBy(0.1); return true;
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomBy(0.8); return true;
    case Qt::Key_Minus: zoomBy(1.25); return true;
    case Qt::Key_Home:
    case Qt::Key_0: fitAll(); return true;
    case Qt::Key_Escape:
        if (!range_) return false;
        clearRange();
        return true;
    default: return false;
    }
}

bool ProfileCharts::event(QEvent* event) {
    // Esc clears a selected range here rather than stopping the job (the window's shortcut).
    if (event->type() == QEvent::ShortcutOverride && static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape && range_) {
        event->accept();
        return true;
    }
    return QWidget::event(event);
}

void ProfileCharts::keyPressEvent(QKeyEvent* event) {
    if (!handleKey(event)) QWidget::keyPressEvent(event);
}

bool ProfileCharts::eventFilter(QObject* watched, QEvent* event) {
    const int index = chartIndex(watched);
    if (index < 0) return QWidget::eventFilter(watched, event);
    QCustomPlot* plot = charts_[std::size_t(index)].plot;
    switch (event->type()) {
    case QEvent::ShortcutOverride: {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Escape && range_) {
            event->accept();
            return true;
        }
        break;
    }
    case QEvent::KeyPress:
        if (handleKey(static_cast<QKeyEvent*>(event))) return true;
        break;
    case QEvent::MouseButtonPress: {
        auto* mouse = static_cast<QMouseEvent*>(event);
        if (mouse->button() == Qt::LeftButton && (mouse->modifiers() & Qt::ShiftModifier)) {
            selecting_ = index;
            anchor_ = plot->xAxis->pixelToCoord(mouse->position().x());
            range_ = std::make_pair(anchor_, anchor_);
            showBand();
            return true;
        }
        break;
    }
    case QEvent::MouseMove:
        if (selecting_ == index) {
            const double t = plot->xAxis->pixelToCoord(static_cast<QMouseEvent*>(event)->position().x());
            range_ = std::make_pair(std::min(anchor_, t), std::max(anchor_, t));
            showBand();
            return true;
        }
        break;
    case QEvent::MouseButtonRelease:
        if (selecting_ == index) {
            selecting_ = -1;
            const double x = static_cast<QMouseEvent*>(event)->position().x();
            const double t = plot->xAxis->pixelToCoord(x);
            if (std::abs(x - plot->xAxis->coordToPixel(anchor_)) < 3)
                clearRange();  // a shift+click, not a drag
            else
                selectRange(anchor_, t);
            return true;
        }
        break;
    case QEvent::MouseButtonDblClick:
        fitAll();
        return true;
    case QEvent::ToolTip: {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = markerToolTipAt(ProfileChart(index), help->pos().x());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, plot);
        return true;
    }
    default: break;
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace sparq::ui
