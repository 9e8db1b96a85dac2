#pragma once
// DistillPage: knowledge distillation of a trained teacher into a small student. A form
// (DistillForm) launches a distillation job; while it runs, its loss terms, alpha and the
// temperature, teacher-student agreement and the students' test accuracy are charted live over
// the optimizer step with the stage boundaries marked (DistillCharts). A finished job, or a
// past one chosen from the history, fills the result card (teacher vs students), and a past
// run's charts are drawn again from the series the history stored. History reads run on
// workers (PastRunPicker, JobTracker); the charts pull on a ~30 Hz timer.
#include <QString>
#include <QWidget>

#include "jobtracker.h"
#include "sparq/engine/distill.h"
#include "sparq/engine/events.h"

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace sparq::ui {

class DistillCharts;
class DistillForm;
class DistillResultCard;
class JobControlPanel;
class PastRunPicker;
class Workbench;

class DistillPage : public QWidget {
    Q_OBJECT
public:
    explicit DistillPage(Workbench* workbench, QWidget* parent = nullptr);

    /// The job the form describes.
    engine::DistillSpec spec() const;
    /// Shows a past distillation run in the card and the charts (false when it is not listed).
    bool selectRun(qint64 runId);
    /// Run on show in the card (0 = none).
    qint64 shownRun() const { return shownRun_; }

    DistillForm* form() const { return form_; }
    DistillCharts* charts() const { return charts_; }
    DistillResultCard* card() const { return card_; }
    QPushButton* startButton() const;
    QPushButton* stopButton() const;
    QComboBox* runCombo() const;
    QListWidget* logList() const;
    /// Completed history loads (each one refills the run combo and the teachers on offer).
    int runLoads() const;
    /// Recorded runs drawn on the charts so far.
    int seriesLoads() const { return seriesLoads_; }

public slots:
    /// Starts the job the form describes (nothing while a job runs or the form is invalid).
    void startJob();
    void stopJob();
    /// Reloads the distillation runs and the trained runs from the history (on a worker).
    void refreshRuns();

signals:
    /// A history load was applied.
    void runsRefreshed();
    /// A recorded run's series were drawn on the charts.
    void seriesShown(qint64 runId);

private:
    QWidget* buildControls();
    void showRun(qint64 runId);
    void loadSeries(qint64 runId);
    void updateControls();
    bool distilling() const;

    void onStarted(qint64 runId, const QString& device);
    void onEpoch(const engine::EpochReport& report);
    void onLog(const QString& level, const QString& message);
    void onStageStarted(int stage, double step);
    void onFinished(const engine::TrainResult& result);

    Workbench* workbench_;
    DistillForm* form_ = nullptr;
    JobControlPanel* controls_ = nullptr;
    DistillCharts* charts_ = nullptr;
    PastRunPicker* runs_ = nullptr;
    DistillResultCard* card_ = nullptr;
    qint64 shownRun_ = 0;
    int seriesLoads_ = 0;
    JobTracker seriesTracker_{this};
};

}  // namespace sparq::ui
