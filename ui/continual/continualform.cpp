#include "continual/continualform.h"

#include <exception>
#include <utility>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStringList>
#include <QVBoxLayout>

#include "common/errorlabel.h"
#include "common/formfields.h"
#include "core/workbench.h"

namespace sparq::ui {
namespace {

constexpr const char* kDefaultPreset = "permuted-fashion";

QStringList toStrings(const std::vector<std::string>& names) {
    QStringList out;
    for (const std::string& n : names) out << QString::fromStdString(n);
    return out;
}

}  // namespace

ContinualForm::ContinualForm(QWidget* parent)
    : JobForm(tr("Learn tasks one after another"), QStringLiteral("continualFormError"), parent) {
    setObjectName(QStringLiteral("continualForm"));
    const engine::ContinualSpec defaults;
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    preset_ = makeCombo(this, QStringLiteral("continualPreset"), toStrings(engine::list_continual_presets()),
                        QString::fromLatin1(kDefaultPreset),
                        tr("A continual preset fills every field (and the optimizer, learning rate and seeds)"));
    form->addRow(tr("Preset:"), preset_);
    scenario_ = makeCombo(this, QStringLiteral("continualScenario"),
                          {QStringLiteral("permuted"), QStringLiteral("split-task"), QStringLiteral("split-class")},
                          QString::fromStdString(defaults.scenario),
                          tr("permuted: every task the same ten classes with its own pixel order; split: two "
                             "classes per task, with each task's own outputs (task) or one ten-way head (class)"));
    form->addRow(tr("Scenario:"), scenario_);
    tasks_ = makeSpin(this, QStringLiteral("continualTasks"), 1, 50, defaults.tasks,
                      tr("How many tasks are learned in turn (split Fashion-MNIST has 5)"));
    form->addRow(tr("Tasks:"), tasks_);
    epochs_ = makeSpin(this, QStringLiteral("continualEpochs"), 1, 1000, defaults.epochs_per_task,
                       tr("Epochs of training on each task"));
    form->addRow(tr("Epochs per task:"), epochs_);
    hidden_ = new QLineEdit(this);
    hidden_->setObjectName(QStringLiteral("continualHidden"));
    hidden_->setToolTip(tr("Widths of the MLP's hidden layers, separated by commas (784 inputs, 10 outputs)"));
    form->addRow(tr("Hidden widths:"), hidden_);

    lambda_ = makeDoubleSpin(this, QStringLiteral("continualLambda"), 0.0, 1e9, 4, 10.0, defaults.lambda,
                             tr("Weight of EWC's penalty on moving weights the earlier tasks need (0 = none)"), true);
    form->addRow(tr("Lambda:"), lambda_);
    gamma_ = makeDoubleSpin(this, QStringLiteral("continualOnlineGamma"), 0.0, 1.0, 2, 0.05, defaults.online_gamma,
                            tr("0: one penalty per task; above 0: online EWC, one penalty whose Fisher decays by "
                               "this factor at every task"));
    form->addRow(tr("Online gamma:"), gamma_);
    fisher_ = makeCombo(this, QStringLiteral("continualFisher"), {QStringLiteral("empirical"), QStringLiteral("true")},
                        QString::fromStdString(defaults.fisher),
                        tr("empirical: the gradients of the observed labels; true: the expectation over the "
                           "model's own predicted classes"));
    form->addRow(tr("Fisher:"), fisher_);
    fisherSamples_ = makeSpin(this, QStringLiteral("continualFisherSamples"), 1, kTrainImages,
                              defaults.fisher_samples, tr("Training images of a task that estimate its Fisher"));
    fisherSamples_->setGroupSeparatorShown(true);
    form->addRow(tr("Fisher images:"), fisherSamples_);
    baseline_ = makeCombo(this, QStringLiteral("continualBaseline"),
                          {QStringLiteral("finetune"), QStringLiteral("joint"), QStringLiteral("none")},
                          QString::fromStdString(defaults.baseline),
                          tr("finetune: the same network trained without protection; joint: that and one trained "
                             "on every task so far (the upper bound); none: EWC only"));
    form->addRow(tr("Baseline:"), baseline_);

    auto* limits = new QHBoxLayout;
    limitTrain_ = makeSpin(this, QStringLiteral("continualLimitTrain"), 0, kTrainImages, 0,
                           tr("Training images of each task (0 = all); fewer make a quick trial"));
    limitTest_ = makeSpin(this, QStringLiteral("continualLimitTest"), 0, kTestImages, 0,
                          tr("Test images of each task (0 = all)"));
    for (QSpinBox* spin : {limitTrain_, limitTest_}) {
        spin->setSpecialValueText(tr("all"));
        spin->setGroupSeparatorShown(true);
        limits->addWidget(spin);
    }
    form->addRow(tr("Images per task (train, test):"), limits);
    layout->addLayout(form);

    layout->addWidget(errorLabel());

    setFields(defaults);
    if (preset_->count() > 0) loadPreset(preset_->currentText());
    connect(preset_, &QComboBox::currentTextChanged, this, &ContinualForm::loadPreset);
    for (QComboBox* combo : {scenario_, fisher_, baseline_})
        connect(combo, &QComboBox::currentIndexChanged, this, &ContinualForm::revalidate);
    for (QSpinBox* spin : {tasks_, epochs_, fisherSamples_, limitTrain_, limitTest_})
        connect(spin, &QSpinBox::valueChanged, this, &ContinualForm::revalidate);
    for (QDoubleSpinBox* spin : {lambda_, gamma_})
        connect(spin, &QDoubleSpinBox::valueChanged, this, &ContinualForm::revalidate);
    connect(hidden_, &QLineEdit::textChanged, this, &ContinualForm::revalidate);
    revalidate();
}

bool ContinualForm::loadPreset(const QString& name) {
    try {
        setFields(engine::load_continual_preset(name.toStdString()));
        presetError_.clear();
    } catch (const std::exception& e) {
        presetError_ = QString::fromUtf8(e.what());
    }
    if (preset_->currentText() != name) {
        const QSignalBlocker block(preset_);
        preset_->setCurrentText(name);
    }
    const bool loaded = presetError_.isEmpty();
    revalidate();
    return loaded;
}

void ContinualForm::setFields(const engine::ContinualSpec& s) {
    base_ = s;
    filling_ = true;
    scenario_->setCurrentText(QString::fromStdString(s.scenario));
    tasks_->setValue(s.tasks);
    epochs_->setValue(s.epochs_per_task);
    QStringList widths;
    for (int h : s.hidden) widths << QString::number(h);
    hidden_->setText(widths.join(QStringLiteral(", ")));
    lambda_->setValue(s.lambda);
    gamma_->setValue(s.online_gamma);
    fisher_->setCurrentText(QString::fromStdString(s.fisher));
    fisherSamples_->setValue(s.fisher_samples);
    baseline_->setCurrentText(QString::fromStdString(s.baseline));
    limitTrain_->setValue(int(s.limit_train));
    limitTest_->setValue(int(s.limit_test));
    filling_ = false;
}

bool ContinualForm::parseHidden(std::vector<int>& widths) const {
    widths.clear();
    const QStringList parts =
        hidden_->text().split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts);
    for (const QString& part : parts) {
        bool ok = false;
        const int width = part.toInt(&ok);
        if (!ok) return false;
        widths.push_back(width);
    }
    return true;
}

engine::ContinualSpec ContinualForm::spec() const {
    engine::ContinualSpec s = base_;
    s.scenario = scenario_->currentText().toStdString();
    s.tasks = tasks_->value();
    s.epochs_per_task = epochs_->value();
    std::vector<int> widths;
    if (parseHidden(widths)) s.hidden = widths;
    s.lambda = lambda_->value();
    s.online_gamma = gamma_->value();
    s.fisher = fisher_->currentText().toStdString();
    s.fisher_samples = fisherSamples_->value();
    s.baseline = baseline_->currentText().toStdString();
    s.limit_train = limitTrain_->value();
    s.limit_test = limitTest_->value();
    return s;
}

void ContinualForm::setEditable(bool editable) {
    for (QWidget* w : std::initializer_list<QWidget*>{preset_, scenario_, tasks_, epochs_, hidden_, lambda_, gamma_,
                                                      fisher_, fisherSamples_, baseline_, limitTrain_, limitTest_})
        w->setEnabled(editable);
}

void ContinualForm::revalidate() {
    if (filling_) return;  // a preset sets every field: one check at the end
    std::vector<int> widths;
    if (!presetError_.isEmpty())
        setError(std::exchange(presetError_, QString()));  // said once; the fields stay as they were
    else if (!parseHidden(widths))
        setError(tr("continual: hidden must be whole numbers separated by commas, such as \"512, 512\""));
    else
        setError(Workbench::validationError(spec()));
}

}  // namespace sparq::ui
