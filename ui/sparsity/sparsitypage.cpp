#include "sparsity/sparsitypage.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "sparsity/activefractiontuner.h"
#include "sparsity/blockloadheatmap.h"
#include "charts/chartdrain.h"
#include "charts/chartfeed.h"
#include "core/joblane.h"
#include "charts/latestvaluefeed.h"
#include "sparq/engine/engine.h"
#include "core/workbench.h"

namespace sparq::ui {
namespace {

namespace series = engine::series;

constexpr int kMaxAlerts = 500;
constexpr int kMarkedPoints = 64;  // graphs with fewer points get markers

// Graph i of the activation chart draws activationSeries()[i].
enum : int { kGatedFirst = 0, kReluFirst = SparsityPage::kMaxLayers, kParams = 2 * SparsityPage::kMaxLayers };

const QColor kPalette[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                           QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                           QColor(227, 119, 194), QColor(23, 190, 207)};

bool isGated(const engine::TrainSpec& spec) { return spec.model == "gated-mlp"; }

}  // namespace

const std::vector<std::string>& SparsityPage::activationSeries() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (int l = 0; l < kMaxLayers; ++l) out.push_back(series::gated_series(l, "active_fraction"));
        for (int l = 0; l < kMaxLayers; ++l) out.push_back(series::relu_zero_series(l));
        out.emplace_back(series::kActiveParamFraction);
        return out;
    }();
    return names;
}

std::vector<std::string> SparsityPage::loadSeries(const engine::TrainSpec& spec) {
    std::vector<std::string> out;
    if (!isGated(spec)) return out;
    for (int l = 0; l < int(spec.hidden.size()); ++l)
        for (int e = 0; e < spec.blocks; ++e) out.push_back(series::gated_series(l, "load/b" + std::to_string(e)));
    return out;
}

SparsityPage::SparsityPage(Workbench* workbench, QWidget* parent)
    : QWidget(parent),
      workbench_(workbench),
      feed_(std::make_unique<ChartFeed>(workbench->bus(), activationSeries())),
      loads_(std::make_unique<LatestValueFeed>(workbench->bus())) {
    auto* layout = new QVBoxLayout(this);
    title_ = new QLabel(this);
    title_->setObjectName(QStringLiteral("sparsityTitle"));
    title_->setWordWrap(true);
    layout->addWidget(title_);

    activation_ = new QCustomPlot(this);
    activation_->setObjectName(QStringLiteral("activationRateChart"));
    activation_->setMinimumSize(360, 200);
    activation_->setNoAntialiasingOnDrag(true);
    activation_->plotLayout()->insertRow(0);
    activation_->plotLayout()->addElement(
        0, 0, new QCPTextElement(activation_, tr("Activation rate per layer"),
                                 QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    activation_->xAxis->setLabel(tr("time (s)"));
    activation_->yAxis->setLabel(tr("fraction"));
    activation_->yAxis->setRange(0.0, 1.05);
    activation_->xAxis->setRange(0.0, 1.0);
    // Up to nine entries: the legend gets its own column right of the plot, off the curves.
    activation_->legend->setFont(QFont(font().family(), font().pointSize() - 1));
    activation_->axisRect()->insetLayout()->take(activation_->legend);
    auto* side = new QCPLayoutGrid;
    activation_->plotLayout()->addElement(1, 1, side);
    activation_->plotLayout()->setColumnStretchFactor(1, 0.001);
    side->addElement(0, 0, activation_->legend);
    side->addElement(1, 0, new QCPLayoutElement(activation_));  // keeps the legend at the top
    side->setRowStretchFactor(0, 0.001);
    activation_->legend->setVisible(false);
    for (int i = 0; i < int(activationSeries().size()); ++i) {
        QCPGraph* g = activation_->addGraph();
        if (i < kReluFirst) {
            g->setName(tr("gated %1: kept blocks").arg(i - kGatedFirst));
            g->setPen(QPen(kPalette[i - kGatedFirst], 1.6));
        } else if (i < kParams) {
            g->setName(tr("ReLU %1: zeros").arg(i - kReluFirst));
            g->setPen(QPen(kPalette[4 + i - kReluFirst], 1.6, Qt::DashLine));
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
        } else {
            g->setName(tr("active params"));
            g->setPen(QPen(Qt::black, 2.0));
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, 8));
        }
        // Drawn once it has data: a dense model has no gated layer, an MLP of 2 layers no ReLU 3.
        g->setVisible(false);
        g->removeFromLegend();
        graphs_.push_back(g);
    }
    bandLow_ = new QCPItemStraightLine(activation_);
    bandHigh_ = new QCPItemStraightLine(activation_);
    for (QCPItemStraightLine* line : {bandLow_, bandHigh_}) {
        line->setPen(QPen(QColor(214, 39, 40, 150), 1.0, Qt::DotLine));
        line->setVisible(false);
    }

    heatMap_ = new BlockLoadHeatMap(this);
    tuner_ = new ActiveFractionTuner(workbench_, this);

    auto* alertBox = new QGroupBox(this);
    auto* alertLayout = new QVBoxLayout(alertBox);
    auto* alertHeader = new QHBoxLayout;
    alertTitle_ = new QLabel(alertBox);
    alertHeader->addWidget(alertTitle_, 1);
    auto* clear = new QPushButton(tr("Clear"), alertBox);
    clear->setObjectName(QStringLiteral("clearAlertsButton"));
    alertHeader->addWidget(clear);
    alertLayout->addLayout(alertHeader);
    alerts_ = new QListWidget(alertBox);
    alerts_->setObjectName(QStringLiteral("sparsityAlerts"));
    alerts_->setWordWrap(true);
    alerts_->setToolTip(tr("Raised when a gated layer's observed active fraction leaves "
                           "active_fraction ± active_band; also stored with the run"));
    alertLayout->addWidget(alerts_, 1);
    connect(clear, &QPushButton::clicked, this, [this] {
        alerts_->clear();
        updateAlertTitle();
    });
    updateAlertTitle();

    auto* top = new QSplitter(Qt::Horizontal);
    top->addWidget(activation_);
    top->addWidget(heatMap_);
    top->setStretchFactor(0, 3);
    top->setStretchFactor(1, 2);
    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(tuner_);
    bottom->addWidget(alertBox);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 1);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(bottom);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    // The page follows training jobs (a gated model's above all).
    using Kind = engine::JobKind;
    workbench_->onLanes(Kind::Train, this, &JobLane::started, [this](qint64 runId, const QString&) {
        feed_->set_run(runId);
        loads_->set_run(runId);
        followSpec(workbench_->specOf<engine::TrainSpec>());
    });
    workbench_->onLanes(Kind::Train, this, &JobLane::log, [this](const QString& level, const QString& message) {
        onLog(level, message);
    });
    workbench_->onLanes(Kind::Train, this, &JobLane::finished, [this] { drainFeeds(); });
    connect(workbench_, &Workbench::laneStarted, this, [this](JobLane* lane) {
        if (lane->kind() == Kind::Train) followSpec(lane->spec<engine::TrainSpec>());
    });
    followSpec(workbench_->specOf<engine::TrainSpec>());

    timer_ = new QTimer(this);
    timer_->setInterval(33);
    connect(timer_, &QTimer::timeout, this, &SparsityPage::drainFeeds);
    timer_->start();
}

SparsityPage::~SparsityPage() = default;

QCPGraph* SparsityPage::activationGraph(const std::string& name) const {
    const auto& names = activationSeries();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return graphs_[i];
    return nullptr;
}

void SparsityPage::followSpec(const engine::TrainSpec& spec) {
    const bool gated = isGated(spec);
    // Called when a job starts and again when its start is reported: re-watching the same
    // series would forget loads that arrived in between.
    std::vector<std::string> names = loadSeries(spec);
    if (names != loads_->series_names()) {
        loads_->watch(std::move(names));
        heatMap_->setShape(gated ? int(spec.hidden.size()) : 0, spec.blocks);
        loadsVersion_ = 0;
    }
    bandLow_->setVisible(gated);
    bandHigh_->setVisible(gated);
    if (gated) {
        const double lo = spec.active_fraction - spec.active_band;
        const double hi = spec.active_fraction + spec.active_band;
        bandLow_->point1->setCoords(0.0, lo);
        bandLow_->point2->setCoords(1.0, lo);
        bandHigh_->point1->setCoords(0.0, hi);
        bandHigh_->point2->setCoords(1.0, hi);
    }
    activation_->replot(QCustomPlot::rpQueuedReplot);

    const qint64 run = workbench_->runOf(engine::JobKind::Train);
    if (run <= 0 && !workbench_->isRunning(engine::JobKind::Train)) {
        title_->setText(tr("<h2>Sparsity</h2>No job yet. Train a gated model (preset "
                           "<i>gated-mlp-fashion</i> on the Launch page, Ctrl+1) to see its layers "
                           "here, or tune a trained one below."));
        return;
    }
    const QString head = tr("<h2>Sparsity — run %1 · %2</h2>")
                             .arg(run)
                             .arg(QString::fromStdString(spec.name).toHtmlEscaped());
    if (!gated) {
        title_->setText(head + tr("Model %1 has no gated layer: its ReLUs' exact-zero fractions are "
                                  "charted after each epoch.")
                                   .arg(QString::fromStdString(spec.model).toHtmlEscaped()));
        return;
    }
    title_->setText(head + tr("%1 gated layer(s) × %2 blocks in %3 groups · gate %4/%5 · target active "
                              "fraction %6 ± %7 (dotted lines)")
                               .arg(spec.hidden.size())
                               .arg(spec.blocks)
                               .arg(spec.groups)
                               .arg(QString::fromStdString(spec.gate).toHtmlEscaped(),
                                    QString::fromStdString(spec.gate_mode).toHtmlEscaped())
                               .arg(spec.active_fraction, 0, 'g', 3)
                               .arg(spec.active_band, 0, 'g', 3));
}

void SparsityPage::drainFeeds() {
    ChartFeed::Update update = feed_->take();
    if (!update.empty()) {
        for (std::size_t i = 0; i < update.series.size() && i < graphs_.size(); ++i) {
            QCPGraph* g = graphs_[i];
            drainSeries(g, update.series[i]);
            // Few points (a short run's per-epoch values) would be invisible as bare lines.
            if (i < std::size_t(kReluFirst))
                g->setScatterStyle(g->dataCount() < kMarkedPoints
                                       ? QCPScatterStyle(QCPScatterStyle::ssDisc, 5)
                                       : QCPScatterStyle());
            showWhileDrawn(g);
        }
        double right = 1.0;
        bool any = false;
        for (QCPGraph* g : graphs_) {
            if (!g->visible()) continue;
            bool found = false;
            const QCPRange keys = g->getKeyRange(found);
            if (found) right = std::max(right, keys.upper);
            any = any || found;
        }
        // A little room left of 0 keeps points at the run's start clear of the axis.
        activation_->xAxis->setRange(-right * 0.02, right * 1.02);
        activation_->legend->setVisible(any);
        activation_->replot(QCustomPlot::rpQueuedReplot);
    }

    if (loads_->version() != loadsVersion_) {
        LatestValueFeed::Snapshot snap = loads_->snapshot();
        loadsVersion_ = snap.version;
        heatMap_->setShape(heatMap_->layers(), heatMap_->blocks());
        heatMap_->setLoads(snap.values);
    }
}

void SparsityPage::updateAlertTitle() {
    alertTitle_->setText(tr("<b>Alerts</b> (%1)").arg(alerts_->count()));
}

void SparsityPage::onLog(const QString& level, const QString& message) {
    if (level != QLatin1String("warning") && level != QLatin1String("warn")) return;
    const qint64 run = workbench_->runOf(engine::JobKind::Train);
    QString text = QTime::currentTime().toString(QStringLiteral("HH:mm:ss"));
    if (run > 0) text += tr(" · run %1").arg(run);
    text += QStringLiteral(" · ") + message;
    auto* item = new QListWidgetItem(style()->standardIcon(QStyle::SP_MessageBoxWarning), text);
    item->setForeground(QColor(176, 112, 0));
    item->setToolTip(message);
    alerts_->addItem(item);
    while (alerts_->count() > kMaxAlerts) delete alerts_->takeItem(0);
    alerts_->scrollToBottom();
    updateAlertTitle();
    emit alertRaised(message);
}

}  // namespace sparq::ui
