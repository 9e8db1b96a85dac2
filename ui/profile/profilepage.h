#pragma once
// ProfilePage: the Profile view (Ctrl+8). The profiler's status line on top; compression and
// hardware charts stacked on one synchronized time axis (ProfileCharts); beside them the top
// operators of the selected range (or of the whole run) from the ops/* cumulative counters,
// what is known of GPU kernels, and the run's alerts. It follows the running job of any kind
// live (a ProfileFeed drained at ~30 Hz; alerts through the job bridges), or draws any past
// run picked in its run list, read from the history on a worker.
#include <memory>
#include <vector>

#include <QString>
#include <QWidget>

#include "core/jobtracker.h"
#include "profile/profiletimeline.h"
#include "sparq/engine/job.h"

class QComboBox;
class QLabel;
class QListWidget;
class QTableView;
class QTimer;

namespace sparq::ui {

class OpRangeModel;
class ProfileCharts;
class ProfileFeed;
struct ProfileRunList;
struct RecordedProfile;
class Workbench;

class ProfilePage : public QWidget {
    Q_OBJECT
public:
    explicit ProfilePage(Workbench* workbench, QWidget* parent = nullptr);
    ~ProfilePage() override;

    ProfileCharts* charts() const { return charts_; }
    OpRangeModel* opsModel() const { return opsModel_; }
    QTableView* opsView() const { return opsView_; }
    QLabel* statusLine() const { return statusLine_; }
    QLabel* rangeCaption() const { return rangeCaption_; }
    QLabel* kernelsNote() const { return kernelsNote_; }
    QListWidget* alertList() const { return alerts_; }
    QComboBox* runCombo() const { return runCombo_; }
    const ProfileTimeline& timeline() const { return timeline_; }
    ProfileFeed& feed() const { return *feed_; }

    /// The run on show (0 = none) and whether it is the live job's.
    qint64 shownRun() const { return shownRun_; }
    bool showsLive() const { return live_; }
    /// Past runs drawn from the history so far.
    int seriesLoads() const { return loads_; }
    /// Reloads of the run list so far.
    int listLoads() const { return listLoads_; }

    /// Draws a listed past run from the history (false when it is not listed).
    bool selectRun(qint64 id);
    /// Shows the live job (false when no job ran in this session).
    bool showLive();

public slots:
    /// Reloads the run list from the history (on a worker).
    void refreshRuns();
    /// Moves what the feed gathered into the view (the timer's slot).
    void drainFeed();

signals:
    /// A past run was drawn from the history.
    void runLoaded(qint64 id);

private:
    void onStarted(qint64 runId);
    void onLog(const QString& level, const QString& message);
    void onAlert(const engine::AlertReport& report);
    void onFinished(qint64 runId);
    void applyRuns(ProfileRunList list);
    void applyRecorded(RecordedProfile profile);
    void choose(int index);
    /// Empties the view for the run on show.
    void resetView();
    void setStatusLine(const QString& line);
    void addAlert(const TimelineAlert& alert);
    void updateOps();
    void updateKernelsNote();
    void fillCombo();

    Workbench* workbench_;
    std::unique_ptr<ProfileFeed> feed_;
    ProfileTimeline timeline_;
    ProfileCharts* charts_ = nullptr;
    OpRangeModel* opsModel_ = nullptr;
    QTableView* opsView_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* statusLine_ = nullptr;
    QLabel* rangeCaption_ = nullptr;
    QLabel* kernelsNote_ = nullptr;
    QLabel* alertsCaption_ = nullptr;
    QListWidget* alerts_ = nullptr;
    QComboBox* runCombo_ = nullptr;
    QLabel* listStatus_ = nullptr;
    QTimer* timer_ = nullptr;

    // The live job: its run, status line and alerts, kept while a past run is on show.
    qint64 liveRun_ = 0;
    QString liveName_;  // the followed job's name ("mlp-fashion int8 qat")
    bool liveRunning_ = false;
    QString liveStatus_;
    std::vector<engine::AlertReport> liveAlerts_;
    std::size_t liveAlertsShown_ = 0;  // of liveAlerts_, drawn (those before the first sample wait)
    bool followLive_ = true;           // a new job is put on show when it starts

    std::vector<std::pair<qint64, QString>> pastRuns_;
    qint64 shownRun_ = 0;
    bool live_ = false;
    bool opsDirty_ = false;
    qint64 opsUpdatedMs_ = 0;
    int loads_ = 0;
    int listLoads_ = 0;
    JobTracker listTracker_{this};
    JobTracker loadTracker_{this};
};

}  // namespace sparq::ui
