#pragma once
// DistillPage: knowledge distillation of a trained teacher into a small student. A form
// (DistillForm) launches a distillation job; while it runs, its loss terms, alpha and the
// temperature, teacher-student agreement and the students' test accuracy are charted live over
// the optimizer step with the stage boundaries marked (DistillCharts). A finished job, or a
// past one chosen from the history, fills the result card (teacher vs students), and a past
// run's charts are drawn again from the series the history stored (TechniquePage). The trained
// runs of the history are offered as teachers.
#include "sparq/engine/distill.h"
#include "common/techniquepage.h"

namespace sparq::ui {

class DistillCharts;
class DistillForm;
class DistillResultCard;

class DistillPage : public TechniquePage {
    Q_OBJECT
public:
    explicit DistillPage(Workbench* workbench, QWidget* parent = nullptr);

    /// The job the form describes.
    engine::DistillSpec spec() const;

    DistillForm* form() const { return form_; }
    DistillCharts* charts() const { return charts_; }
    DistillResultCard* card() const { return card_; }

public slots:
    void startJob() override;

protected:
    void followLive(qint64 runId) override;
    void drawRecorded(const JobRun& run, const std::vector<profiler::SeriesPoints>& series) override;
    void historyLoaded() override;

private:
    void onEpoch(const engine::EpochReport& report);
    void onLog(const QString& level, const QString& message);
    void onStageStarted(int stage, double step);

    DistillForm* form_ = nullptr;
    DistillCharts* charts_ = nullptr;
    DistillResultCard* card_ = nullptr;
};

}  // namespace sparq::ui
