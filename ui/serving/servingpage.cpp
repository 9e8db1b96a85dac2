#include "serving/servingpage.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

#include "core/joblane.h"
#include "common/jobcontrolpanel.h"
#include "common/joblogview.h"
#include "common/jobprogressbar.h"
#include "charts/paretoplot.h"
#include "serving/servingcharts.h"
#include "serving/servingform.h"
#include "serving/servingresultsmodel.h"
#include "core/workbench.h"

namespace sparq::ui {
namespace {

// What serve_bench's log lines say about its progress.

}  // namespace

ServingPage::ServingPage(Workbench* workbench, QWidget* parent) : QWidget(parent), workbench_(workbench) {
    auto* layout = new QVBoxLayout(this);
    auto* heading = new QLabel(tr("<h2>Serving</h2>Serve the tiny-lm language model a seeded request workload under "
                                  "a batching policy, watch queue, latency and padding live, and compare policies on "
                                  "throughput against p95 latency."),
                               this);
    heading->setWordWrap(true);
    layout->addWidget(heading);

    // Left: the form and the job's controls, scrolling when the window is short.
    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    form_ = new ServingForm(left);
    leftLayout->addWidget(form_);
    controls_ = new JobControlPanel(QStringLiteral("serving"), left);
    controls_->startButton()->setText(tr("Run"));
    controls_->stopButton()->setToolTip(tr("End the benchmark within a decode step; the policies that finished "
                                           "keep their results"));
    compare_ = new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), tr("Compare all policies"));
    compare_->setObjectName(QStringLiteral("servingCompareButton"));
    controls_->addButton(compare_);
    leftLayout->addWidget(controls_, 1);
    auto* scroll = new QScrollArea;
    scroll->setWidget(left);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumWidth(left->sizeHint().width() + 24);

    // Right: the live charts above the session's results and their Pareto chart.
    charts_ = new ServingCharts(workbench_->bus());
    results_ = new ServingResultsModel(this);
    sorted_ = new QSortFilterProxyModel(this);
    sorted_->setSourceModel(results_);
    sorted_->setSortRole(ServingResultsModel::SortRole);
    auto* resultsBox = new QWidget;
    auto* resultsLayout = new QVBoxLayout(resultsBox);
    resultsLayout->setContentsMargins(0, 0, 0, 0);
    auto* resultsHeader = new QHBoxLayout;
    resultsCaption_ = new QLabel(resultsBox);
    resultsCaption_->setObjectName(QStringLiteral("servingResultsCaption"));
    clear_ = new QPushButton(tr("Clear"), resultsBox);
    clear_->setObjectName(QStringLiteral("servingClearButton"));
    clear_->setToolTip(tr("Forget this session's results (the runs stay in the history)"));
    resultsHeader->addWidget(resultsCaption_, 1);
    resultsHeader->addWidget(clear_);
    resultsLayout->addLayout(resultsHeader);
    table_ = new QTableView(resultsBox);
    table_->setObjectName(QStringLiteral("servingResultsTable"));
    table_->setModel(sorted_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(-1, Qt::AscendingOrder);  // in the order they came until a header is clicked
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setAlternatingRowColors(true);
    table_->horizontalHeader()->setStretchLastSection(true);
    resultsLayout->addWidget(table_, 1);
    pareto_ = new ParetoPlot(tr("Throughput against p95 latency"), tr("results"));
    pareto_->setObjectName(QStringLiteral("servingPareto"));

    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(resultsBox);
    bottom->addWidget(pareto_);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    auto* right = new QSplitter(Qt::Vertical);
    right->addWidget(charts_);
    right->addWidget(bottom);
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 1);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(scroll);
    split->addWidget(right);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(controls_->startButton(), &QPushButton::clicked, this, &ServingPage::runBench);
    connect(compare_, &QPushButton::clicked, this, &ServingPage::compareAllPolicies);
    connect(controls_->stopButton(), &QPushButton::clicked, this, &ServingPage::stopJob);
    connect(clear_, &QPushButton::clicked, results_, &ServingResultsModel::clear);
    connect(form_, &ServingForm::changed, this, &ServingPage::updateControls);
    connect(results_, &ServingResultsModel::rowsChanged, this, &ServingPage::updatePareto);
    using Kind = engine::JobKind;
    connect(workbench_, &Workbench::laneStarted, this, [this](JobLane* lane) {
        if (lane->kind() == Kind::Serve) updateControls();
    });
    connect(workbench_, &Workbench::laneFinished, this, [this](JobLane* lane) {
        if (lane->kind() == Kind::Serve) updateControls();
    });
    workbench_->onLanes(Kind::Serve, this, &JobLane::progress,
                        [this](const engine::JobProgress& p) { controls_->progress()->showProgress(p); });
    workbench_->onLanes(Kind::Serve, this, &JobLane::log, [this](const QString& level, const QString& message) {
        controls_->log()->appendEngineLog(level, message);
    });
    workbench_->onLanes(Kind::Serve, this, &JobLane::finished, [this](const engine::JobEnd& end) { onFinished(end); });

    updatePareto();
    updateControls();
}

ServingPage::~ServingPage() = default;

bool ServingPage::benchRuns() const { return workbench_->isRunning(engine::JobKind::Serve); }

QPushButton* ServingPage::runButton() const { return controls_->startButton(); }
QPushButton* ServingPage::stopButton() const { return controls_->stopButton(); }
ErrorLabel* ServingPage::startError() const { return controls_->startError(); }
JobProgressBar* ServingPage::progress() const { return controls_->progress(); }
QListWidget* ServingPage::logList() const { return controls_->log(); }

void ServingPage::updateControls() {
    const bool running = benchRuns();
    form_->setEditable(!running);
    const QString tip =
        form_->isValid() ? tr("Serve the workload with the chosen policy (Ctrl+Return)") : form_->error();
    controls_->setJobState(running, form_->isValid(), tip);
    const QString compareBlock = compareBlocker();
    compare_->setEnabled(!running && compareBlock.isEmpty());
    compare_->setToolTip(compareBlock.isEmpty() ? tr("Serve the same workload with every policy, one after the other")
                                                : compareBlock);
}

QString ServingPage::compareBlocker() const {
    if (!form_->isValid()) return form_->error();
    // Every policy must be able to serve the workload, not only the one chosen.
    const engine::ServeBenchSpec spec = form_->spec();
    for (const std::string& policy : engine::serving_policies())
        if (QString reason = ServingForm::stallReason(spec, policy); !reason.isEmpty()) return reason;
    return {};
}

bool ServingPage::runBench() { return start(form_->spec()); }

bool ServingPage::compareAllPolicies() {
    if (!compareBlocker().isEmpty()) return false;
    engine::ServeBenchSpec spec = form_->spec();
    spec.compare = engine::serving_policies();
    return start(std::move(spec));
}

bool ServingPage::start(engine::ServeBenchSpec spec) {
    if (benchRuns() || !form_->isValid()) return false;
    if (!controls_->launch([&] { workbench_->start(spec); })) return false;
    const QString what = spec.compare.empty() ? QString::fromStdString(spec.batching.policy)
                                              : tr("%1 policies").arg(spec.compare.size());
    charts_->clear(tr("Waiting for the first samples (the model is trained first when it is not cached)…"));
    JobLogView* log = controls_->log();
    log->append(tr("serving %1 requests with %2 (%3)")
                    .arg(spec.workload.requests)
                    .arg(what, servingWorkloadText(spec.workload)));
    controls_->progress()->showBusy(tr("loading the model"));
    emit benchStarted(what);
    return true;
}

void ServingPage::onFinished(const engine::JobEnd& end) {
    if (end.status == engine::JobStatus::Failed) {
        controls_->progress()->showEnded(end.status);
        controls_->log()->append(tr("the benchmark failed: %1").arg(QString::fromStdString(end.error)), true);
        return;
    }
    // Cancelled too: the policies that finished are reported and kept.
    const JobLane* lane = workbench_->lane(engine::JobKind::Serve);
    const engine::ServeBenchReport* report = lane ? lane->result<engine::ServeBenchReport>() : nullptr;
    const std::size_t n = report ? report->results.size() : 0;
    if (report) {
        results_->addRows(servingRows(lane->spec<engine::ServeBenchSpec>(), *report));
        table_->resizeColumnsToContents();
        if (end.run_id > 0) charts_->showEnded(end.run_id);
    }
    if (end.status == engine::JobStatus::Cancelled) {
        controls_->reportEnded(end, tr("stopped; the policies that finished are in the table"));
        return;
    }
    controls_->reportEnded(end, n == 1 ? tr("1 result") : tr("%1 results").arg(n));
}

void ServingPage::stopJob() { workbench_->stop(engine::JobKind::Serve); }

void ServingPage::updatePareto() {
    const std::vector<ServingRow>& rows = results_->rows();
    std::vector<ParetoPlot::Point> points;
    points.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const ServingRow& r = rows[i];
        QString title = tr("#%1 · %2 · %3").arg(i + 1).arg(r.settings, r.workload);
        if (r.run > 0) title += tr(" · run %1").arg(r.run);
        points.push_back({r.result.p95_ms, r.result.throughput_rps,
                          tr("#%1 %2").arg(i + 1).arg(QString::fromStdString(r.result.policy)), title});
    }
    pareto_->setPoints(std::move(points), {tr("p95 latency (ms)"), false}, {tr("throughput (req/s)"), true},
                       tr("No results yet: each policy's result becomes a point"));
    const int n = int(rows.size());
    resultsCaption_->setText(n == 0 ? tr("Results of this session: none yet")
                                    : tr("Results of this session: %1, %2 on the Pareto frontier (bold)")
                                          .arg(n)
                                          .arg(results_->frontier().size()));
    clear_->setEnabled(n > 0);
}

}  // namespace sparq::ui
