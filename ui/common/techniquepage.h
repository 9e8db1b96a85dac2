#pragma once
// TechniquePage: what the Distill and Continual pages share. A form and the job controls
// (JobControlPanel) beside the live charts (TechniqueCharts), a past-run picker above the
// result card (ResultCard). The page starts its kind of job from the form, follows it live,
// and when it ends selects its run once the history has it. A run on show fills the card from
// its summary and has its charts drawn again from the series the history stored (read on a
// worker, JobTracker). Subclasses make the parts, start the job and draw a run on their charts.
#include <functional>
#include <string>
#include <vector>

#include <QString>
#include <QWidget>

#include "common/jobhistory.h"
#include "core/jobtracker.h"
#include "common/pastrunpicker.h"
#include "sparq/engine/job.h"
#include "sparq/profiler/run_store.h"
#include "core/workbench.h"

class QComboBox;
class QListWidget;
class QPushButton;
class QSplitter;

namespace sparq::ui {

class JobControlPanel;
class JobForm;
class ResultCard;
class TechniqueCharts;

class TechniquePage : public QWidget {
    Q_OBJECT
public:
    /// Shows a past run in the card and the charts (false when it is not listed).
    bool selectRun(qint64 runId);
    /// Run on show in the card (0 = none).
    qint64 shownRun() const { return shownRun_; }

    QPushButton* startButton() const;
    QPushButton* stopButton() const;
    QComboBox* runCombo() const;
    QListWidget* logList() const;
    /// Completed history loads.
    int runLoads() const;
    /// Recorded runs drawn on the charts so far.
    int seriesLoads() const { return seriesLoads_; }

public slots:
    /// Starts the job the form describes (nothing while a job runs or the form is invalid).
    virtual void startJob() = 0;
    void stopJob();
    /// Reloads the page's runs from the history (on a worker).
    void refreshRuns();

signals:
    /// A history load was applied.
    void runsRefreshed();
    /// A recorded run's series were drawn on the charts.
    void seriesShown(qint64 runId);

protected:
    struct Parts {
        std::string kind;      // the runs' kind in the history ("distill"); also the controls' name prefix
        QString title;         // rich text above the page
        JobForm* form = nullptr;
        TechniqueCharts* charts = nullptr;
        ResultCard* card = nullptr;
        PastRunPicker::Texts runTexts;
        QString startTip;      // the Start button's tooltip while the form is ready
        QString endDetail;     // the log's word on a finished job's accuracy, %1 the accuracy
        std::string accuracyKey;  // where the summary keeps that accuracy ("student_accuracy")
        /// The series the charts draw (what a past run needs from the history).
        std::function<bool(const std::string&)> charted;
    };

    TechniquePage(Workbench* workbench, Workbench::JobKind kind, QWidget* parent);

    /// Lays the page out from its parts and connects them: the picker, the buttons, the start
    /// and end of the page's jobs; then loads the history. Called once, by the subclass's
    /// constructor once its parts exist. Returns the splitter between charts and card.
    QSplitter* assemble(Parts parts);

    Workbench* workbench() const { return workbench_; }
    JobControlPanel* controls() const { return controls_; }
    PastRunPicker* runs() const { return runs_; }
    /// True while a job of the page's kind runs.
    bool ownJobRuns() const;
    /// Submits a job through `submit` (see JobControlPanel::launch) and logs `what` once it
    /// started; nothing while the page's job runs or the form is not ready.
    void launch(const std::function<void()>& submit, const QString& what);

    // What differs between pages.
    /// Follows the page's job `runId` live on the charts.
    virtual void followLive(qint64 runId) = 0;
    /// Draws a past run on the charts from its recorded series.
    virtual void drawRecorded(const JobRun& run, const std::vector<profiler::SeriesPoints>& series) = 0;
    /// Called after each history load, before the controls are updated.
    virtual void historyLoaded() {}

private:
    /// Enables the form and the buttons for the workbench's state.
    void updateControls();
    void showRun(qint64 runId);
    void loadSeries(const JobRun& run);
    void onStarted(qint64 runId, const QString& device);
    void onFinished(const engine::JobEnd& end);

    Workbench* workbench_;
    Workbench::JobKind kind_;
    JobForm* form_ = nullptr;
    JobControlPanel* controls_ = nullptr;
    PastRunPicker* runs_ = nullptr;
    TechniqueCharts* charts_ = nullptr;
    ResultCard* card_ = nullptr;
    QString startTip_;
    QString endDetail_;
    std::string accuracyKey_;
    std::function<bool(const std::string&)> charted_;
    qint64 shownRun_ = 0;
    int seriesLoads_ = 0;
    JobTracker seriesTracker_{this};
};

}  // namespace sparq::ui
