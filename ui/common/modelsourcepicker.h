#pragma once
// ModelSourcePicker: where a job's model comes from: a preset's model (trained by the job
// first), or the checkpoint of a finished training run of the history. The quantization form
// uses it for the float model, the distillation form for the teacher.
#include <vector>

#include <QString>
#include <QWidget>

#include "common/jobhistory.h"

class QComboBox;
class QRadioButton;

namespace sparq::ui {

class ModelSourcePicker : public QWidget {
    Q_OBJECT
public:
    /// Lists the engine's presets with `defaultPreset` chosen; no trained runs until
    /// setTrainedRuns().
    explicit ModelSourcePicker(const QString& defaultPreset, QWidget* parent = nullptr);

    /// Replaces the trained runs on offer, keeping the chosen one when it is still there.
    void setTrainedRuns(const std::vector<TrainedRun>& runs);
    /// Chooses the preset source (false when there is no such preset).
    bool selectPreset(const QString& name);
    /// Chooses a trained run's checkpoint (false when the run is not offered).
    bool selectTrainedRun(qint64 runId);

    /// True when the choice is a trained run and one is chosen.
    bool usesTrainedRun() const;
    /// True when there is something to start from (a preset, or the chosen trained run).
    bool hasChoice() const;
    QString preset() const;
    /// The chosen trained run (0 = none), its checkpoint and the preset it was trained from.
    qint64 trainedRun() const;
    QString checkpoint() const;
    QString trainedRunPreset() const;

    /// Locks the choice while a job runs.
    void setEditable(bool editable);

    QRadioButton* presetButton() const { return fromPreset_; }
    QRadioButton* trainedRunButton() const { return fromRun_; }
    QComboBox* presetCombo() const { return presets_; }
    QComboBox* trainedRunCombo() const { return trained_; }

signals:
    /// The source, the preset or the trained run changed.
    void changed();

private:
    void updateEnabled();

    QRadioButton* fromPreset_ = nullptr;
    QRadioButton* fromRun_ = nullptr;
    QComboBox* presets_ = nullptr;
    QComboBox* trained_ = nullptr;
    bool editable_ = true;
};

}  // namespace sparq::ui
