#include "profile/profilepage.h"

#include <algorithm>
#include <limits>

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "core/joblane.h"
#include "profile/oprangemodel.h"
#include "profile/profilecharts.h"
#include "profile/profilefeed.h"
#include "profile/profilehistory.h"
#include "profile/profileseries.h"
#include "core/workbench.h"

namespace sparq::ui {
namespace {

constexpr int kDrainMs = 33;
constexpr qint64 kOpsRefreshMs = 500;  // the live operator table is recomputed at most this often
constexpr std::size_t kTopOps = 50;
constexpr int kLateRefreshMs = 1500;   // a second look at the history after a job ends
constexpr int kLiveRole = Qt::UserRole + 1;

QString seconds(double t) { return QString::number(t, 'f', t < 100 ? 2 : 1); }

}  // namespace

ProfilePage::ProfilePage(Workbench* workbench, QWidget* parent)
    : QWidget(parent),
      workbench_(workbench),
      feed_(std::make_unique<ProfileFeed>(workbench->bus(), [](const std::string& name) { return profileCapacity(name); })) {
    auto* layout = new QVBoxLayout(this);

    auto* header = new QHBoxLayout;
    title_ = new QLabel(tr("<h3>Profile</h3>"), this);
    title_->setObjectName(QStringLiteral("profileTitle"));
    header->addWidget(title_, 1);
    header->addWidget(new QLabel(tr("Run:"), this));
    runCombo_ = new QComboBox(this);
    runCombo_->setObjectName(QStringLiteral("profileRunCombo"));
    runCombo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    runCombo_->setMinimumContentsLength(36);
    runCombo_->setToolTip(tr("The live job, or any run of the history"));
    header->addWidget(runCombo_);
    auto* reload = new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), tr("Refresh"), this);
    reload->setObjectName(QStringLiteral("profileRefresh"));
    header->addWidget(reload);
    listStatus_ = new QLabel(this);
    listStatus_->setObjectName(QStringLiteral("profileListStatus"));
    header->addWidget(listStatus_);
    layout->addLayout(header);

    statusLine_ = new QLabel(this);
    statusLine_->setObjectName(QStringLiteral("profilerStatusLine"));
    statusLine_->setWordWrap(true);
    statusLine_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusLine_->setStyleSheet(QStringLiteral(
        "QLabel#profilerStatusLine { background: #eef3fb; border: 1px solid #9db4d8; border-radius: 4px; padding: 6px; }"));
    layout->addWidget(statusLine_);

    auto* tools = new QHBoxLayout;
    auto* hint = new QLabel(tr("Wheel or +/−: zoom · drag or ←/→: pan · Home or double-click: fit · "
                               "Shift+drag: select a range (Esc clears it)"),
                            this);
    hint->setStyleSheet(QStringLiteral("color: gray"));
    tools->addWidget(hint, 1);
    auto* fit = new QPushButton(tr("&Fit"), this);
    fit->setObjectName(QStringLiteral("profileFit"));
    fit->setToolTip(tr("Show the whole run (and follow a live one)"));
    tools->addWidget(fit);
    auto* clearRange = new QPushButton(tr("Clear ra&nge"), this);
    clearRange->setObjectName(QStringLiteral("profileClearRange"));
    tools->addWidget(clearRange);
    layout->addLayout(tools);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    auto* scroll = new QScrollArea(splitter);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    charts_ = new ProfileCharts(scroll);
    scroll->setWidget(charts_);
    splitter->addWidget(scroll);

    auto* side = new QWidget(splitter);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(4, 0, 0, 0);
    rangeCaption_ = new QLabel(side);
    rangeCaption_->setObjectName(QStringLiteral("profileRangeCaption"));
    rangeCaption_->setWordWrap(true);
    sideLayout->addWidget(rangeCaption_);
    opsModel_ = new OpRangeModel(this);
    opsView_ = new QTableView(side);
    opsView_->setObjectName(QStringLiteral("profileOpsTable"));
    opsView_->setModel(opsModel_);
    opsView_->verticalHeader()->hide();
    opsView_->horizontalHeader()->setSectionResizeMode(OpRangeModel::Name, QHeaderView::Stretch);
    for (int c = OpRangeModel::Calls; c < OpRangeModel::ColumnCount; ++c)
        opsView_->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    opsView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    opsView_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    opsView_->setAlternatingRowColors(true);
    sideLayout->addWidget(opsView_, 3);
    kernelsNote_ = new QLabel(side);
    kernelsNote_->setObjectName(QStringLiteral("profileKernelsNote"));
    kernelsNote_->setWordWrap(true);
    sideLayout->addWidget(kernelsNote_);
    alertsCaption_ = new QLabel(side);
    alertsCaption_->setObjectName(QStringLiteral("profileAlertsCaption"));
    sideLayout->addWidget(alertsCaption_);
    alerts_ = new QListWidget(side);
    alerts_->setObjectName(QStringLiteral("profileAlertList"));
    alerts_->setToolTip(tr("Click an alert to centre the charts on it"));
    alerts_->setWordWrap(true);
    sideLayout->addWidget(alerts_, 2);
    splitter->addWidget(side);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({900, 380});
    layout->addWidget(splitter, 1);

    connect(reload, &QPushButton::clicked, this, &ProfilePage::refreshRuns);
    connect(runCombo_, &QComboBox::activated, this, &ProfilePage::choose);
    connect(fit, &QPushButton::clicked, charts_, &ProfileCharts::fitAll);
    connect(clearRange, &QPushButton::clicked, charts_, &ProfileCharts::clearRange);
    connect(charts_, &ProfileCharts::rangeSelected, this, &ProfilePage::updateOps);
    connect(charts_, &ProfileCharts::rangeCleared, this, &ProfilePage::updateOps);
    connect(alerts_, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { charts_->centerOn(item->data(Qt::UserRole).toDouble()); });

    // The view follows the newest recorded job of any kind (an export or a sweep has no run
    // of its own to profile).
    connect(workbench_, &Workbench::laneStarted, this, [this](JobLane* lane) {
        if (lane->kind() == engine::JobKind::Export || lane->kind() == engine::JobKind::Sweep) return;
        connect(lane, &JobLane::started, this, [this, lane](qint64 runId, const QString&) {
            liveName_ = lane->name();
            onStarted(runId);
        });
        connect(lane, &JobLane::log, this, &ProfilePage::onLog);
        connect(lane, &JobLane::alert, this, &ProfilePage::onAlert);
        connect(lane, &JobLane::finished, this, [this](const engine::JobEnd& end) { onFinished(end.run_id); });
    });
    connect(workbench_, &Workbench::historyReopened, this, [this] {
        // A new history: the past run on show is gone with the old one.
        if (!live_) {
            shownRun_ = 0;
            resetView();
        }
        refreshRuns();
    });

    resetView();
    timer_ = new QTimer(this);
    timer_->setInterval(kDrainMs);
    connect(timer_, &QTimer::timeout, this, &ProfilePage::drainFeed);
    timer_->start();
    refreshRuns();
}

ProfilePage::~ProfilePage() = default;

// ---------------------------------------------------------------- choosing a run

void ProfilePage::refreshRuns() {
    listStatus_->setText(tr("Loading…"));
    listTracker_.startJob([path = workbench_->dbPath()] { return readProfileRuns(path); },
                          [this](ProfileRunList list) { applyRuns(std::move(list)); });
}

void ProfilePage::applyRuns(ProfileRunList list) {
    ++listLoads_;
    if (!list.error.isEmpty()) {
        listStatus_->setText(QStringLiteral("<span style='color:#c02020'>%1</span>")
                                 .arg(tr("Could not read the history: %1").arg(list.error.toHtmlEscaped())));
        return;
    }
    pastRuns_.clear();
    for (const ProfileRunChoice& r : list.runs) pastRuns_.emplace_back(r.id, r.label);
    const int n = int(pastRuns_.size());
    listStatus_->setText(n == 1 ? tr("1 run") : tr("%1 runs").arg(n));
    fillCombo();
    // Nothing on show yet: the newest run, unless a job is followed.
    if (shownRun_ == 0 && !live_ && !pastRuns_.empty()) selectRun(pastRuns_.front().first);
}

void ProfilePage::fillCombo() {
    const QSignalBlocker block(runCombo_);
    runCombo_->clear();
    if (liveRun_) {
        runCombo_->addItem(tr("Run %1 · %2 · %3")
                               .arg(liveRun_)
                               .arg(liveName_, liveRunning_ ? tr("live") : tr("this session")),
                           liveRun_);
        runCombo_->setItemData(0, true, kLiveRole);
    }
    for (const auto& [id, label] : pastRuns_) {
        runCombo_->addItem(label, id);
        runCombo_->setItemData(runCombo_->count() - 1, false, kLiveRole);
    }
    for (int i = 0; i < runCombo_->count(); ++i) {
        const bool live = runCombo_->itemData(i, kLiveRole).toBool();
        if (live == live_ && runCombo_->itemData(i).toLongLong() == shownRun_) {
            runCombo_->setCurrentIndex(i);
            return;
        }
    }
    runCombo_->setCurrentIndex(-1);
}

void ProfilePage::choose(int index) {
    if (index < 0 || index >= runCombo_->count()) return;
    if (runCombo_->itemData(index, kLiveRole).toBool()) {
        showLive();
        return;
    }
    selectRun(runCombo_->itemData(index).toLongLong());
}

bool ProfilePage::selectRun(qint64 id) {
    const auto it = std::find_if(pastRuns_.begin(), pastRuns_.end(), [id](const auto& r) { return r.first == id; });
    if (it == pastRuns_.end()) return false;
    // A past run picked while a job runs: the job is no longer pulled into view.
    followLive_ = !liveRunning_;
    live_ = false;
    shownRun_ = id;
    resetView();
    title_->setText(tr("<h3>%1 — from the history</h3>").arg(it->second.toHtmlEscaped()));
    statusLine_->setText(tr("Loading run %1…").arg(id));
    fillCombo();
    loadTracker_.startJob([path = workbench_->dbPath(), id] { return readRecordedProfile(path, id); },
                          [this](RecordedProfile p) { applyRecorded(std::move(p)); });
    return true;
}

bool ProfilePage::showLive() {
    if (!liveRun_) return false;
    followLive_ = true;
    live_ = true;
    shownRun_ = liveRun_;
    resetView();
    title_->setText(tr("<h3>Run %1 · %2 — %3</h3>")
                        .arg(liveRun_)
                        .arg(liveName_.toHtmlEscaped(), liveRunning_ ? tr("live") : tr("ended")));
    setStatusLine(liveStatus_);
    fillCombo();
    feed_->resend();
    drainFeed();
    charts_->fitAll();
    return true;
}

void ProfilePage::applyRecorded(RecordedProfile p) {
    if (live_ || p.run != shownRun_) return;
    ++loads_;
    resetView();
    if (!p.error.isEmpty()) {
        statusLine_->setText(QStringLiteral("<span style='color:#c02020'>%1</span>")
                                 .arg(tr("Could not read run %1: %2").arg(p.run).arg(p.error.toHtmlEscaped())));
        emit runLoaded(p.run);
        return;
    }
    title_->setText(tr("<h3>%1 — from the history</h3>").arg(p.title.toHtmlEscaped()));
    setStatusLine(p.status);
    for (const auto& [name, points] : p.series) {
        charts_->addPoints(name, points, false);
        timeline_.addPoints(name, points, false);
    }
    for (const TimelineAlert& a : p.alerts) addAlert(a);
    charts_->setMarkers(timeline_.markers());
    charts_->fitAll();
    updateOps();
    emit runLoaded(p.run);
}

// ---------------------------------------------------------------- the live job

void ProfilePage::onStarted(qint64 runId) {
    liveRun_ = runId;
    liveRunning_ = true;
    liveStatus_.clear();
    liveAlerts_.clear();
    liveAlertsShown_ = 0;
    feed_->set_run(runId);
    if (followLive_)
        showLive();
    else
        fillCombo();
}

void ProfilePage::onLog(const QString&, const QString& message) {
    if (!liveRunning_ || !message.startsWith(QLatin1String("profiler:"))) return;
    liveStatus_ = message;
    if (live_) setStatusLine(liveStatus_);
}

void ProfilePage::onAlert(const engine::AlertReport& report) {
    if (report.run_id != liveRun_) return;
    liveAlerts_.push_back(report);
    if (live_) drainFeed();
}

void ProfilePage::onFinished(qint64 runId) {
    if (runId != liveRun_) return;
    liveRunning_ = false;
    if (live_) {
        drainFeed();
        title_->setText(tr("<h3>Run %1 · %2 — ended</h3>").arg(liveRun_).arg(liveName_.toHtmlEscaped()));
        charts_->setStatus(timeline_.status(), false);
        charts_->refresh();
        updateOps();
    }
    fillCombo();
    refreshRuns();
    QTimer::singleShot(kLateRefreshMs, this, &ProfilePage::refreshRuns);
}

void ProfilePage::drainFeed() {
    ProfileFeed::Update update = feed_->take();
    if (!live_) return;  // the feed keeps its windows; showLive() has them sent again
    bool markers = false;
    if (update.switched) {
        // A newer run's samples came before its start report: start over.
        timeline_.clear();
        charts_->clear();
        liveAlertsShown_ = 0;
        if (update.run == liveRun_) setStatusLine(liveStatus_);
        markers = true;
    }
    for (const ProfileFeed::SeriesUpdate& s : update.series) {
        charts_->addPoints(s.name, s.points, s.reset);
        markers |= timeline_.addPoints(s.name, s.points, s.reset);
        std::string op;
        bool self = false;
        if (parseOpSeries(s.name, op, self)) opsDirty_ = true;
    }
    // Alerts are placed on the samples' clock, once the run's first sample set the origin.
    while (liveAlertsShown_ < liveAlerts_.size()) {
        const engine::AlertReport& r = liveAlerts_[liveAlertsShown_];
        const auto t = feed_->seconds_at(r.time_ns);
        if (!t) break;
        TimelineAlert a;
        a.t = *t;
        a.fired = r.fired;
        a.level = QString::fromStdString(r.level);
        a.rule = QString::fromStdString(r.rule);
        a.series = QString::fromStdString(r.series);
        a.message = QString::fromStdString(r.message);
        addAlert(a);
        ++liveAlertsShown_;
        markers = true;
    }
    if (markers) charts_->setMarkers(timeline_.markers());
    if (!update.empty() || markers) charts_->refresh();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (opsDirty_ && now - opsUpdatedMs_ >= kOpsRefreshMs) updateOps();
}

// ---------------------------------------------------------------- the parts

void ProfilePage::resetView() {
    timeline_.clear();
    charts_->clear();
    opsModel_->setRows({});
    alerts_->clear();
    alertsCaption_->setText(tr("<b>Alerts</b>: none fired"));
    setStatusLine({});
    updateOps();
}

void ProfilePage::setStatusLine(const QString& line) {
    timeline_.setStatus(line);
    const ProfilerStatus& s = timeline_.status();
    const bool liveNow = live_ && liveRunning_;
    if (!s.known()) {
        statusLine_->setText(live_ ? tr("<b>Profiler</b> · waiting for the job's status line…")
                                   : shownRun_ ? tr("<b>Profiler</b> · this run has no status line: it was recorded "
                                                    "without the profiler beside it")
                                               : tr("<b>Profiler</b> · no run on show. Start a job, or pick a run above."));
        statusLine_->setToolTip({});
    } else {
        const QString gpu = s.gpu.isEmpty() ? tr("not reported") : s.gpu;
        const QString colour = s.noGpu() || !s.cuptiOff().isEmpty() || !s.nvmlOff().isEmpty() ? QStringLiteral("#8a5a00")
                                                                                                : QStringLiteral("#206020");
        statusLine_->setText(tr("<b>Profiler</b> · CPU: %1 · GPU: <span style='color:%2'>%3</span>")
                                 .arg(s.cpu.toHtmlEscaped(), colour, gpu.toHtmlEscaped()));
        statusLine_->setToolTip(s.line);
    }
    charts_->setStatus(s, liveNow);
    updateKernelsNote();
}

void ProfilePage::addAlert(const TimelineAlert& a) {
    timeline_.addAlert(a);
    auto* item = new QListWidgetItem(tr("%1 s · %2").arg(seconds(a.t), a.message), alerts_);
    item->setData(Qt::UserRole, a.t);
    item->setToolTip(a.message);
    if (!a.fired) {
        item->setForeground(QColor(130, 130, 130));
        item->setIcon(style()->standardIcon(QStyle::SP_DialogApplyButton));
    } else if (a.level == QLatin1String("error")) {
        item->setForeground(QColor(192, 32, 32));
        item->setIcon(style()->standardIcon(QStyle::SP_MessageBoxCritical));
    } else {
        item->setForeground(QColor(176, 112, 0));
        item->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
    }
    int fired = 0, cleared = 0;
    for (const TimelineAlert& x : timeline_.alerts()) (x.fired ? fired : cleared) += 1;
    alertsCaption_->setText(tr("<b>Alerts</b>: %1 fired, %2 cleared").arg(fired).arg(cleared));
}

void ProfilePage::updateOps() {
    opsDirty_ = false;
    opsUpdatedMs_ = QDateTime::currentMSecsSinceEpoch();
    if (timeline_.ops().empty()) {
        opsModel_->setRows({});
        rangeCaption_->setText(shownRun_ == 0 ? tr("<b>Top operators</b>: no run on show")
                               : live_ && liveRunning_
                                   ? tr("<b>Top operators</b>: waiting for the operator counters (ops/*, every 250 ms)…")
                                   : tr("<b>Top operators</b>: this run has no operator counters (ops/* series): the "
                                        "operator profiler was off or the run predates it"));
        return;
    }
    const auto range = charts_->selectedRange();
    constexpr double kAll = std::numeric_limits<double>::max();
    const double t0 = range ? range->first : -kAll, t1 = range ? range->second : kAll;
    opsModel_->setRows(timeline_.topOperators(t0, t1, kTopOps));
    const double total = timeline_.totalSelfMs(t0, t1);
    const QString where = range ? tr("%1 – %2 s (%3 s)").arg(seconds(t0), seconds(t1), seconds(t1 - t0))
                                : live_ && liveRunning_ ? tr("the whole run so far") : tr("the whole run");
    // The job profiler records operators for a slice of each period: the counts are those
    // observed, and the caption says which share of the time that was.
    const double coverage = timeline_.opsCoverageAt(std::min(t1, timeline_.lastTime()));
    const QString sampled = coverage >= 0 && coverage < 0.995
                                ? tr(" (recorded %1% of the time)").arg(QString::number(100 * coverage, 'f', 0))
                                : QString();
    rangeCaption_->setText(tr("<b>Top operators</b> of %1: %2 ms self time%3%4")
                               .arg(where, QString::number(total, 'f', 1), sampled,
                                    range ? QString() : tr(". Shift+drag on a chart to pick a range.")));
}

void ProfilePage::updateKernelsNote() {
    const ProfilerStatus& s = timeline_.status();
    QString text;
    if (!s.known())
        text = live_ ? tr("waiting for the profiler's status line") : tr("no GPU kernel data in this run");
    else if (s.noGpu())
        text = tr("no GPU kernel data (GPU %1)").arg(s.gpu);
    else if (!s.cuptiOff().isEmpty())
        text = tr("none: CUPTI did not run (%1)").arg(s.cuptiOff());
    else
        text = tr("CUPTI traced this run's kernels, but the profiler publishes no per-kernel series (only gpu/busy, "
                  "gpu/sm_efficiency, gpu/occupancy, gpu/memcpy_gbps), so the kernels of a range cannot be told apart");
    kernelsNote_->setText(tr("<b>Top kernels</b>: %1").arg(text.toHtmlEscaped()));
}

}  // namespace sparq::ui
