#pragma once
// DistillForm: the fields of a distillation job: the teacher (a preset trained first, or a
// trained run's checkpoint), the student preset, how many training images keep their labels,
// seeds, the epochs of each of the three stages, the hint loss, alpha, the temperature, the
// agreement discount of stage 3, and whether the baselines are trained too. Every change is
// checked by the engine's own validate() (through Workbench::validationError) and its message
// is shown under the fields.
#include <vector>

#include <QString>

#include "common/jobform.h"
#include "common/jobhistory.h"
#include "sparq/engine/distill.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace sparq::ui {

class ModelSourcePicker;

class DistillForm : public JobForm {
    Q_OBJECT
public:
    explicit DistillForm(QWidget* parent = nullptr);

    /// The job the fields describe (the data folder left to the workbench).
    engine::DistillSpec spec() const;

    /// The trained runs offered as teachers.
    void setTrainedRuns(const std::vector<TrainedRun>& runs);
    /// Valid, with a teacher to start from.
    bool isReady() const override;
    void setEditable(bool editable) override;

    ModelSourcePicker* teacher() const { return teacher_; }
    QSpinBox* teacherEpochsSpin() const { return teacherEpochs_; }
    QComboBox* studentCombo() const { return student_; }
    QSpinBox* labelledSpin() const { return labelled_; }
    QSpinBox* seedsSpin() const { return seeds_; }
    /// Epochs of stage 1, 2 or 3.
    QSpinBox* stageEpochsSpin(int stage) const { return stageEpochs_[stage - 1]; }
    QComboBox* hintLossCombo() const { return hintLoss_; }
    QDoubleSpinBox* alphaSpin() const { return alpha_; }
    QDoubleSpinBox* temperatureSpin() const { return temperature_; }
    QDoubleSpinBox* discountSpin() const { return discount_; }
    QCheckBox* baselinesCheck() const { return baselines_; }

private:
    void revalidate();
    void updateEnabled();

    ModelSourcePicker* teacher_ = nullptr;
    QSpinBox* teacherEpochs_ = nullptr;
    QComboBox* student_ = nullptr;
    QSpinBox* labelled_ = nullptr;
    QSpinBox* seeds_ = nullptr;
    QSpinBox* stageEpochs_[3] = {};
    QComboBox* hintLoss_ = nullptr;
    QDoubleSpinBox* alpha_ = nullptr;
    QDoubleSpinBox* temperature_ = nullptr;
    QDoubleSpinBox* discount_ = nullptr;
    QCheckBox* baselines_ = nullptr;
    bool editable_ = true;
};

}  // namespace sparq::ui
