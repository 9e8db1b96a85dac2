#pragma once
// QuantizePage: INT8 quantization of a float model. A short form launches a quantization job
// (post-training, or quantization-aware training) on a preset's model trained now or on a
// trained run's checkpoint; while it runs, each layer's quantization error is charted live
// (QuantErrorLiveChart) against the alert threshold. A finished job, or a past one chosen
// from the history, fills the FP32-vs-INT8 comparison card and the per-layer error bars.
// History reads run on a worker (PastRunPicker); the live chart pulls on a ~30 Hz timer.
#include <QString>
#include <QWidget>

#include "sparq/engine/job.h"
#include "sparq/engine/quantize.h"

class QComboBox;
class QDoubleSpinBox;
class QJsonObject;
class QLabel;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace sparq::ui {

class JobControlPanel;
class ModelSourcePicker;
class PastRunPicker;
class QuantComparisonCard;
class QuantErrorChart;
class QuantErrorLiveChart;
class Workbench;

class QuantizePage : public QWidget {
    Q_OBJECT
public:
    explicit QuantizePage(Workbench* workbench, QWidget* parent = nullptr);

    /// The job the form describes.
    engine::QuantizeSpec spec() const;
    /// Chooses the preset source (false when there is no such preset).
    bool selectPreset(const QString& name);
    /// Chooses a trained run's checkpoint as the source (false when the run is not offered).
    bool selectTrainedRun(qint64 runId);
    /// Shows a past quantization run in the card and the bars (false when it is not listed).
    bool selectRun(qint64 runId);
    /// Run on show in the card (0 = none).
    qint64 shownRun() const { return shownRun_; }

    QComboBox* presetCombo() const;
    QComboBox* trainedRunCombo() const;
    QComboBox* modeCombo() const { return mode_; }
    QComboBox* observerCombo() const { return observer_; }
    QSpinBox* qatEpochsSpin() const { return qatEpochs_; }
    QDoubleSpinBox* thresholdSpin() const { return threshold_; }
    QPushButton* startButton() const;
    QPushButton* stopButton() const;
    QComboBox* runCombo() const;
    QListWidget* logList() const;
    QuantComparisonCard* card() const { return card_; }
    QuantErrorChart* errorChart() const { return errorChart_; }
    QuantErrorLiveChart* liveChart() const { return live_; }
    /// Completed history loads (each one refills the run combos).
    int runLoads() const;

public slots:
    /// Starts the job the form describes (nothing while a job runs).
    void startJob();
    void stopJob();
    /// Reloads the quantization runs and the trained runs from the history (on a worker).
    void refreshRuns();

signals:
    /// A layer's quantization error crossed the alert threshold (the engine's warning).
    void alertRaised(const QString& message);
    /// A history load was put in the combos.
    void runsRefreshed();

private:
    QWidget* buildForm();
    void showRun(qint64 runId);
    void showSummary(const QJsonObject& summary, double threshold);
    void updateControls();

    void onStarted(qint64 runId, const QString& device);
    void onEpoch(const engine::EpochReport& report);
    void onLog(const QString& level, const QString& message);
    void onFinished(const engine::JobEnd& end);

    Workbench* workbench_;

    ModelSourcePicker* source_ = nullptr;
    QComboBox* mode_ = nullptr;
    QComboBox* observer_ = nullptr;
    QSpinBox* qatEpochs_ = nullptr;
    QSpinBox* floatEpochs_ = nullptr;
    QDoubleSpinBox* threshold_ = nullptr;
    JobControlPanel* controls_ = nullptr;

    QuantErrorLiveChart* live_ = nullptr;

    PastRunPicker* runs_ = nullptr;
    QuantComparisonCard* card_ = nullptr;
    QuantErrorChart* errorChart_ = nullptr;
    qint64 shownRun_ = 0;
};

}  // namespace sparq::ui
