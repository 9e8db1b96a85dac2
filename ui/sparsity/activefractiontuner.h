#pragma once
// ActiveFractionTuner: re-evaluates a trained gated model at another active fraction without
// retraining, and plots test accuracy and forward latency (batch 1 and 64) against it.
// The model comes from the workbench's current (or last) run, a gated run of the history, or
// a checkpoint file. Evaluations are sweep jobs of the workbench; a newer request stops an
// older one and runs when it has ended. Points accumulate per checkpoint.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <optional>

#include <QGroupBox>
#include <QPointer>
#include <QString>

#include "core/jobtracker.h"
#include "sparq/engine/job.h"
#include "sparq/engine/sparse.h"
#include "sparq/profiler/run_store.h"

class QComboBox;
class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;

namespace sparq::ui {

class JobLane;
class Workbench;

class ActiveFractionTuner : public QGroupBox {
    Q_OBJECT
public:
    /// Fractions evaluated besides the requested one the first time a checkpoint is tuned.
    static const std::vector<double>& defaultSweep();
    static constexpr double kMinFraction = 0.05;
    static constexpr int kThreads = 2;
    static constexpr std::int64_t kLimitTest = 2000;

    explicit ActiveFractionTuner(Workbench* workbench, QWidget* parent = nullptr);

    double fraction() const;
    void setFraction(double fraction);
    /// Adds a checkpoint file to the chooser (once) and selects it.
    void addCheckpointFile(const QString& path);

    QComboBox* chooser() const { return chooser_; }
    QSlider* slider() const { return slider_; }
    QPushButton* evaluateButton() const { return evaluate_; }
    QCustomPlot* accuracyChart() const { return accuracyChart_; }
    QCustomPlot* latencyChart() const { return latencyChart_; }
    QCPGraph* accuracyGraph() const { return accuracy_; }
    QCPGraph* latencyGraph(int batch) const { return batch == 1 ? latencyB1_ : latencyB64_; }
    /// The message of the last failed evaluation (empty after a success).
    QString errorText() const;
    /// True while the newest evaluation has not come back.
    bool isEvaluating() const;
    /// Evaluated points of the checkpoint on show.
    const std::map<double, engine::ActiveFractionPoint>& points() const { return points_; }

public slots:
    /// Evaluates the chosen model at fraction() (plus the default sweep on first use).
    void evaluate();
    /// Picks a checkpoint file with a file dialog.
    void browse();
    /// Reloads the gated runs of the history into the chooser (on a worker).
    void refreshRuns();

signals:
    /// An evaluation came back (points drawn or an error shown).
    void evaluated();

private:
    enum SourceKind { CurrentRun, HistoryRun, CheckpointFile };
    struct Request {
        std::string key;  // identifies the model: "run:<id>" or "file:<path>"
        engine::SweepSpec spec;
    };
    struct RunEntry {
        profiler::RunId id = 0;
        QString label;
    };
    /// Submits the sweep; its end comes back through the lane.
    void launch(const Request& request);
    void show(const std::string& key, const engine::SweepResult& result);
    void showRuns(std::vector<RunEntry> runs);
    void showError(const QString& message);
    void onTrainingFinished();
    void updateCurrentLabel();
    void redraw();
    void updateHighlight();
    QCustomPlot* makeChart(const QString& title, const QString& yLabel);

    Workbench* workbench_;
    QComboBox* chooser_ = nullptr;
    QSlider* slider_ = nullptr;
    QDoubleSpinBox* spin_ = nullptr;
    QPushButton* evaluate_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* error_ = nullptr;
    QCustomPlot* accuracyChart_ = nullptr;
    QCustomPlot* latencyChart_ = nullptr;
    QCPGraph* accuracy_ = nullptr;
    QCPGraph* accuracyMark_ = nullptr;
    QCPGraph* latencyB1_ = nullptr;
    QCPGraph* latencyB64_ = nullptr;
    QCPGraph* latencyMarkB1_ = nullptr;
    QCPGraph* latencyMarkB64_ = nullptr;
    QCPItemStraightLine* accuracyCursor_ = nullptr;
    QCPItemStraightLine* latencyCursor_ = nullptr;

    profiler::RunId lastRun_ = 0;  // run whose checkpoint the bridge reported
    std::string lastCheckpoint_;
    std::string shownKey_;
    std::string shownCheckpoint_;
    std::map<double, engine::ActiveFractionPoint> points_;
    bool syncing_ = false;
    QPointer<JobLane> sweep_;          // the sweep running or last run
    std::optional<Request> pending_;   // a newer request, run once the running sweep has stopped
    JobTracker runsTracker_{this};
};

}  // namespace sparq::ui
