#include "history/runoverlaychart.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <iterator>
#include <limits>
#include <set>

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSlider>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "charts/plotframe.h"

namespace sparq::ui {
namespace {

const Qt::PenStyle kDashes[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine, Qt::DashDotDotLine};

}  // namespace

std::vector<double> RunOverlayChart::smooth(const std::vector<double>& values, double weight) {
    if (weight <= 0.0) return values;
    weight = std::min(weight, 0.999);
    std::vector<double> out(values.size());
    double last = 0.0;
    int seen = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double x = values[i];
        if (!std::isfinite(x)) {
            out[i] = x;
            continue;
        }
        last = last * weight + (1.0 - weight) * x;
        ++seen;
        out[i] = last / (1.0 - std::pow(weight, seen));
    }
    return out;
}

RunOverlayChart::RunOverlayChart(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto* side = new QVBoxLayout;
    listFilter_ = new QLineEdit(this);
    listFilter_->setPlaceholderText(tr("Find a series"));
    listFilter_->setClearButtonEnabled(true);
    side->addWidget(listFilter_);
    list_ = new QListWidget(this);
    list_->setObjectName(QStringLiteral("overlaySeries"));
    list_->setToolTip(tr("Check the series to draw for every selected run (Space toggles)"));
    side->addWidget(list_, 1);

    auto* form = new QFormLayout;
    axisCombo_ = new QComboBox(this);
    axisCombo_->addItem(tr("Step"), int(ByStep));
    axisCombo_->addItem(tr("Time since run start (s)"), int(ByTime));
    form->addRow(tr("&X axis"), axisCombo_);
    auto* smoothRow = new QHBoxLayout;
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName(QStringLiteral("overlaySmoothing"));
    slider_->setRange(0, 99);
    slider_->setPageStep(10);
    slider_->setValue(int(std::lround(smoothing_ * 100)));
    slider_->setToolTip(tr("Exponential moving average of the drawn lines; 0 draws the raw points"));
    sliderValue_ = new QLabel(this);
    sliderValue_->setMinimumWidth(sliderValue_->fontMetrics().horizontalAdvance(QStringLiteral("0.00")));
    smoothRow->addWidget(slider_, 1);
    smoothRow->addWidget(sliderValue_);
    auto* smoothLabel = new QLabel(tr("Smoothin&g"), this);
    smoothLabel->setBuddy(slider_);
    form->addRow(smoothLabel, smoothRow);
    side->addLayout(form);

    auto* sideWidget = new QWidget(this);
    sideWidget->setLayout(side);
    sideWidget->setFixedWidth(260);
    side->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(sideWidget);

    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("overlayChart"));
    frameChart(plot_, tr("Series of the selected runs"));
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setMinimumSize(320, 240);
    placeholder_ = addPlaceholder(plot_);
    layout->addWidget(plot_, 1);

    sliderValue_->setText(QString::number(smoothing_, 'f', 2));
    connect(listFilter_, &QLineEdit::textChanged, this, &RunOverlayChart::filterList);
    connect(list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        const QString name = item->text();
        const bool on = item->checkState() == Qt::Checked;
        if (on && !wanted_.contains(name)) wanted_.append(name);
        if (!on) wanted_.removeAll(name);
        loadPoints();
    });
    connect(axisCombo_, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int i) { setXAxis(XAxis(axisCombo_->itemData(i).toInt())); });
    connect(slider_, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });
    redraw();
}

void RunOverlayChart::setDatabase(const std::string& path) {
    if (path == db_) return;
    db_ = path;
    cache_.clear();
    loadNames();
}

void RunOverlayChart::setRuns(std::vector<OverlayRun> runs) {
    if (int(runs.size()) > kMaxRuns) runs.resize(std::size_t(kMaxRuns));
    const bool same = runs.size() == runs_.size() &&
                      std::equal(runs.begin(), runs.end(), runs_.begin(),
                                 [](const OverlayRun& a, const OverlayRun& b) { return a.id == b.id; });
    runs_ = std::move(runs);
    if (same && !names_.isEmpty()) {
        redraw();  // labels may have changed (a rename)
        return;
    }
    // Points of runs no longer on show go; a run shown again reloads (it may have grown).
    std::set<profiler::RunId> ids;
    for (const OverlayRun& r : runs_) ids.insert(r.id);
    for (auto it = cache_.begin(); it != cache_.end();) it = ids.count(it->first.first) ? std::next(it) : cache_.erase(it);
    loadNames();
}

void RunOverlayChart::loadNames() {
    error_.clear();
    if (runs_.empty() || db_.empty()) {
        showNames({});
        return;
    }
    std::vector<profiler::RunId> ids;
    for (const OverlayRun& r : runs_) ids.push_back(r.id);
    redraw();  // says "Loading…"
    namesTracker_.startJob(
        [path = db_, ids]() {
            Names out;
            try {
                profiler::RunReader reader(path);
                std::set<std::string> all;
                for (profiler::RunId id : ids)
                    for (std::string& name : reader.series_names(id)) all.insert(std::move(name));
                out.names.assign(all.begin(), all.end());
            } catch (const std::exception& e) {
                out.error = QString::fromUtf8(e.what());
            }
            return out;
        },
        [this](Names names) {
            ++loads_;
            showNames(std::move(names));
            emit loaded();
        });
}

void RunOverlayChart::showNames(Names names) {
    error_ = names.error;
    names_.clear();
    for (const std::string& n : names.names) names_.append(QString::fromStdString(n));
    // A first look gets a sensible series: the training loss, or else the first one.
    if (wanted_.isEmpty() && !names_.isEmpty())
        wanted_.append(names_.contains(QStringLiteral("train/loss")) ? QStringLiteral("train/loss") : names_.first());

    const QSignalBlocker block(list_);
    list_->clear();
    for (const QString& name : names_) {
        auto* item = new QListWidgetItem(name, list_);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
        item->setCheckState(wanted_.contains(name) ? Qt::Checked : Qt::Unchecked);
    }
    filterList(listFilter_->text());
    loadPoints();
}

QStringList RunOverlayChart::checkedSeries() const {
    QStringList out;
    for (const QString& name : names_)
        if (wanted_.contains(name)) out.append(name);
    return out;
}

bool RunOverlayChart::setSeriesChecked(const QString& name, bool checked) {
    const QList<QListWidgetItem*> items = list_->findItems(name, Qt::MatchExactly);
    if (items.isEmpty()) return false;
    items.first()->setCheckState(checked ? Qt::Checked : Qt::Unchecked);  // itemChanged does the rest
    return true;
}

void RunOverlayChart::loadPoints() {
    std::vector<std::pair<profiler::RunId, std::vector<std::string>>> missing;
    for (const OverlayRun& r : runs_) {
        std::vector<std::string> names;
        for (const QString& n : checkedSeries())
            if (!cache_.count({r.id, n.toStdString()})) names.push_back(n.toStdString());
        if (!names.empty()) missing.emplace_back(r.id, std::move(names));
    }
    if (missing.empty() || db_.empty()) {
        redraw();
        return;
    }
    redraw();
    pointsTracker_.startJob(
        [path = db_, missing]() {
            Points out;
            try {
                profiler::RunReader reader(path);
                for (const auto& [id, names] : missing) {
                    std::vector<profiler::SeriesPoints> loaded = reader.load_series(id, names);
                    for (const std::string& name : names) {
                        // A run without this series is remembered as empty, not asked again.
                        auto it = std::find_if(loaded.begin(), loaded.end(),
                                               [&](const profiler::SeriesPoints& s) { return s.name == name; });
                        profiler::SeriesPoints points;
                        if (it != loaded.end()) points = std::move(*it);
                        points.name = name;
                        out.series.emplace_back(Key{id, name}, std::move(points));
                    }
                }
            } catch (const std::exception& e) {
                out.error = QString::fromUtf8(e.what());
            }
            return out;
        },
        [this](Points points) {
            ++loads_;
            error_ = points.error;
            for (auto& [key, series] : points.series) cache_[key] = std::move(series);
            redraw();
            emit loaded();
        });
}

void RunOverlayChart::setXAxis(XAxis axis) {
    if (axis == xAxis_) return;
    xAxis_ = axis;
    const QSignalBlocker block(axisCombo_);
    axisCombo_->setCurrentIndex(axisCombo_->findData(int(axis)));
    redraw();
}

void RunOverlayChart::setSmoothing(double weight) {
    weight = std::clamp(weight, 0.0, 0.99);
    smoothing_ = weight;
    sliderValue_->setText(QString::number(weight, 'f', 2));
    const QSignalBlocker block(slider_);
    slider_->setValue(int(std::lround(weight * 100)));
    redraw();
}

void RunOverlayChart::filterList(const QString& text) {
    for (int i = 0; i < list_->count(); ++i)
        list_->item(i)->setHidden(!text.isEmpty() && !list_->item(i)->text().contains(text, Qt::CaseInsensitive));
}

void RunOverlayChart::redraw() {
    plot_->clearGraphs();
    const QStringList series = checkedSeries();
    QString message;
    if (!error_.isEmpty())
        message = tr("Could not load the series: %1").arg(error_);
    else if (runs_.empty())
        message = tr("Select runs in the table to overlay their series");
    else if (namesTracker_.isJobRunning())
        message = tr("Loading…");
    else if (names_.isEmpty())
        message = runs_.size() == 1 ? tr("This run recorded no series") : tr("These runs recorded no series");
    else if (series.isEmpty())
        message = tr("Check a series on the left to draw it");

    std::size_t drawn = 0;
    if (message.isEmpty()) {
        for (std::size_t r = 0; r < runs_.size(); ++r) {
            const OverlayRun& run = runs_[r];
            // Time origin: the run's first sample among the series loaded for it.
            std::int64_t t0 = std::numeric_limits<std::int64_t>::max();
            for (const QString& name : series) {
                const auto it = cache_.find({run.id, name.toStdString()});
                if (it != cache_.end() && !it->second.time_ns.empty())
                    t0 = std::min(t0, *std::min_element(it->second.time_ns.begin(), it->second.time_ns.end()));
            }
            for (int s = 0; s < series.size(); ++s) {
                const auto it = cache_.find({run.id, series[s].toStdString()});
                if (it == cache_.end() || it->second.value.empty()) continue;
                const profiler::SeriesPoints& p = it->second;
                const std::size_t n = std::min({p.value.size(), p.step.size(), p.time_ns.size()});
                QVector<double> x(qsizetype(n), 0.0), raw(qsizetype(n), 0.0);
                for (std::size_t i = 0; i < n; ++i) {
                    x[qsizetype(i)] = xAxis_ == ByStep ? double(p.step[i]) : double(p.time_ns[i] - t0) * 1e-9;
                    raw[qsizetype(i)] = p.value[i];
                }
                const QColor color = lineColor(int(r));
                QPen pen(color, 1.6, kDashes[s % int(std::size(kDashes))]);
                if (smoothing_ > 0.0) {
                    QCPGraph* faint = plot_->addGraph();
                    QColor light = color;
                    light.setAlpha(60);
                    faint->setPen(QPen(light, 1.0));
                    faint->setData(x, raw);
                    faint->removeFromLegend();
                    faint->setName(QString());
                    const std::vector<double> sm = smooth(std::vector<double>(raw.begin(), raw.end()), smoothing_);
                    raw = QVector<double>(sm.begin(), sm.end());
                }
                QCPGraph* g = plot_->addGraph();
                g->setPen(pen);
                g->setName(QStringLiteral("%1 · %2").arg(run.label, series[s]));
                g->setData(x, raw);
                if (n < 30) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
                ++drawn;
            }
        }
        if (drawn == 0)
            message = pointsTracker_.isJobRunning() ? tr("Loading…") : tr("The selected runs have no points in these series");
    }
    placeholder_->setText(message);
    plot_->legend->setVisible(drawn > 0 && drawn <= 16);
    plot_->xAxis->setLabel(xAxis_ == ByStep ? tr("step") : tr("time since run start (s)"));
    plot_->yAxis->setLabel(series.size() == 1 ? series.first() : tr("value"));
    fitToData(plot_);
}

}  // namespace sparq::ui
