#pragma once
// ContinualForm: the fields of a continual-learning job: a preset (which fills every field,
// and keeps the fields the form does not show: optimizer, learning rate, batch size, seeds,
// per-task lambdas), the scenario and number of tasks, EWC's lambda and online decay, the
// Fisher estimate (kind, images), the baseline, epochs per task, the hidden widths, and how
// many images of each task to use. Every change is checked by the engine's own validate()
// (through Workbench::validationError) and its message is shown under the fields.
#include <vector>

#include <QString>

#include "common/jobform.h"
#include "sparq/engine/continual.h"

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace sparq::ui {

class ContinualForm : public JobForm {
    Q_OBJECT
public:
    explicit ContinualForm(QWidget* parent = nullptr);

    /// The job the fields describe (the data folder left to the workbench).
    engine::ContinualSpec spec() const;

    /// Fills every field from a continual preset; false (and the reason under the fields)
    /// when it cannot be loaded.
    bool loadPreset(const QString& name);
    void setEditable(bool editable) override;

    QComboBox* presetCombo() const { return preset_; }
    QComboBox* scenarioCombo() const { return scenario_; }
    QSpinBox* tasksSpin() const { return tasks_; }
    QDoubleSpinBox* lambdaSpin() const { return lambda_; }
    QDoubleSpinBox* onlineGammaSpin() const { return gamma_; }
    QComboBox* baselineCombo() const { return baseline_; }
    QComboBox* fisherCombo() const { return fisher_; }
    QSpinBox* fisherSamplesSpin() const { return fisherSamples_; }
    QSpinBox* epochsSpin() const { return epochs_; }
    QLineEdit* hiddenEdit() const { return hidden_; }
    QSpinBox* limitTrainSpin() const { return limitTrain_; }
    QSpinBox* limitTestSpin() const { return limitTest_; }

private:
    void setFields(const engine::ContinualSpec& spec);
    void revalidate();
    /// The hidden widths' text as numbers; false when it is not a list of whole numbers.
    bool parseHidden(std::vector<int>& widths) const;

    engine::ContinualSpec base_;  // the preset's fields the form does not show
    QComboBox* preset_ = nullptr;
    QComboBox* scenario_ = nullptr;
    QSpinBox* tasks_ = nullptr;
    QDoubleSpinBox* lambda_ = nullptr;
    QDoubleSpinBox* gamma_ = nullptr;
    QComboBox* baseline_ = nullptr;
    QComboBox* fisher_ = nullptr;
    QSpinBox* fisherSamples_ = nullptr;
    QSpinBox* epochs_ = nullptr;
    QLineEdit* hidden_ = nullptr;
    QSpinBox* limitTrain_ = nullptr;
    QSpinBox* limitTest_ = nullptr;
    QString presetError_;  // why the last preset did not load, until the next check
    bool filling_ = false;
};

}  // namespace sparq::ui
