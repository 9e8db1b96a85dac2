#pragma once
// ContinualPage: continual learning with Elastic Weight Consolidation. A form (ContinualForm)
// launches a job that learns a sequence of tasks with EWC and, beside it, with plain
// fine-tuning (and joint training when asked). While it runs, the accuracy matrices fill in
// row by row as tasks finish, each task's accuracy is charted over the optimizer step, and the
// Fisher importance of every parameter tensor appears after each task (ContinualCharts). A
// finished job, or a past one chosen from the history, fills the result card (EWC vs
// fine-tuning), and a past run's charts are drawn again from the series the history stored
// (TechniquePage).
#include "sparq/engine/continual.h"
#include "common/techniquepage.h"

namespace sparq::ui {

class ContinualCharts;
class ContinualForm;
class ContinualResultCard;

class ContinualPage : public TechniquePage {
    Q_OBJECT
public:
    explicit ContinualPage(Workbench* workbench, QWidget* parent = nullptr);

    /// The job the form describes.
    engine::ContinualSpec spec() const;

    ContinualForm* form() const { return form_; }
    ContinualCharts* charts() const { return charts_; }
    ContinualResultCard* card() const { return card_; }

public slots:
    void startJob() override;

protected:
    void followLive(qint64 runId) override;
    void drawRecorded(const JobRun& run, const std::vector<profiler::SeriesPoints>& series) override;

private:
    void onProgress(const engine::JobProgress& progress);

    ContinualForm* form_ = nullptr;
    ContinualCharts* charts_ = nullptr;
    ContinualResultCard* card_ = nullptr;
};

}  // namespace sparq::ui
