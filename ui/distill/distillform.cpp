#include "distill/distillform.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "common/errorlabel.h"
#include "common/formfields.h"
#include "common/modelsourcepicker.h"
#include "sparq/engine/train.h"
#include "core/workbench.h"

namespace sparq::ui {

DistillForm::DistillForm(QWidget* parent)
    : JobForm(tr("Distil a teacher into a small student"), QStringLiteral("distillFormError"), parent) {
    setObjectName(QStringLiteral("distillForm"));
    const engine::DistillSpec defaults;
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    teacher_ = new ModelSourcePicker(QString::fromStdString(defaults.teacher_preset), this);
    teacher_->setObjectName(QStringLiteral("distillTeacher"));
    teacher_->presetButton()->setToolTip(tr("Train the preset's model as the teacher first"));
    teacher_->trainedRunButton()->setToolTip(tr("Use the checkpoint of a finished training run as the teacher"));
    form->addRow(tr("Teacher:"), teacher_);
    teacherEpochs_ = makeSpin(this, QStringLiteral("distillTeacherEpochs"), 1, 100, defaults.teacher_epochs,
                              tr("Epochs of the teacher's training when it is trained from its preset first"));
    form->addRow(tr("Teacher epochs:"), teacherEpochs_);

    student_ = new QComboBox(this);
    student_->setObjectName(QStringLiteral("distillStudentCombo"));
    for (const auto& name : engine::list_presets()) student_->addItem(QString::fromStdString(name));
    student_->setCurrentIndex(std::max(0, student_->findText(QString::fromStdString(defaults.student_preset))));
    student_->setToolTip(tr("The student's model"));
    form->addRow(tr("Student:"), student_);

    labelled_ = makeSpin(this, QStringLiteral("distillLabelled"), 0, kTrainImages, int(defaults.labelled),
                         tr("The first N training images keep their labels; the others are learned from the "
                            "teacher only"));
    labelled_->setGroupSeparatorShown(true);
    form->addRow(tr("Labelled images:"), labelled_);
    seeds_ = makeSpin(this, QStringLiteral("distillSeeds"), 1, 20, defaults.seeds,
                      tr("Every student is trained once per seed; the card shows mean ± std"));
    form->addRow(tr("Seeds:"), seeds_);

    auto* stages = new QHBoxLayout;
    const int stageDefaults[3] = {defaults.stage1_epochs, defaults.stage2_epochs, defaults.stage3_epochs};
    const char* stageHelp[3] = {QT_TR_NOOP("Stage 1: align a student feature with the teacher's (hint loss, no labels)"),
                                QT_TR_NOOP("Stage 2: logit distillation at a fixed alpha"),
                                QT_TR_NOOP("Stage 3: alpha adapted per sample")};
    for (int i = 0; i < 3; ++i) {
        stageEpochs_[i] = makeSpin(this, QStringLiteral("distillStage%1Epochs").arg(i + 1), 0, 100, stageDefaults[i],
                                   tr(stageHelp[i]));
        stages->addWidget(stageEpochs_[i]);
    }
    form->addRow(tr("Stage epochs (1, 2, 3):"), stages);

    hintLoss_ = makeCombo(this, QStringLiteral("distillHintLoss"), {QStringLiteral("mse"), QStringLiteral("cosine")},
                          QString::fromStdString(defaults.hint_loss),
                          tr("How stage 1 compares the projected student feature with the teacher's"));
    form->addRow(tr("Hint loss:"), hintLoss_);
    alpha_ = makeDoubleSpin(this, QStringLiteral("distillAlpha"), 0.0, 1.0, 2, 0.05, defaults.alpha,
                            tr("Weight of the distillation term in stage 2 (the rest goes to the labels)"));
    form->addRow(tr("Alpha:"), alpha_);
    temperature_ = makeDoubleSpin(this, QStringLiteral("distillTemperature"), 0.0, 100.0, 1, 0.5, defaults.temperature,
                                  tr("Softmax temperature of the distillation term"));
    form->addRow(tr("Temperature:"), temperature_);
    discount_ = makeDoubleSpin(this, QStringLiteral("distillDiscount"), 0.0, 1.0, 2, 0.05, defaults.agreement_discount,
                               tr("Stage 3: alpha shrinks by this share where the student already agrees with the "
                                  "teacher"));
    form->addRow(tr("Agreement discount:"), discount_);
    baselines_ = new QCheckBox(tr("Also train the logit-only and labels-only students"), this);
    baselines_->setObjectName(QStringLiteral("distillBaselines"));
    baselines_->setChecked(defaults.baselines);
    baselines_->setToolTip(tr("Same seed, labelled images and number of steps, for comparison"));
    form->addRow(tr("Baselines:"), baselines_);
    layout->addLayout(form);

    layout->addWidget(errorLabel());

    connect(teacher_, &ModelSourcePicker::changed, this, &DistillForm::revalidate);
    connect(student_, &QComboBox::currentIndexChanged, this, &DistillForm::revalidate);
    connect(hintLoss_, &QComboBox::currentIndexChanged, this, &DistillForm::revalidate);
    connect(baselines_, &QCheckBox::toggled, this, &DistillForm::revalidate);
    for (QSpinBox* spin : {teacherEpochs_, labelled_, seeds_, stageEpochs_[0], stageEpochs_[1], stageEpochs_[2]})
        connect(spin, &QSpinBox::valueChanged, this, &DistillForm::revalidate);
    for (QDoubleSpinBox* spin : {alpha_, temperature_, discount_})
        connect(spin, &QDoubleSpinBox::valueChanged, this, &DistillForm::revalidate);
    revalidate();
}

engine::DistillSpec DistillForm::spec() const {
    engine::DistillSpec d;
    if (teacher_->usesTrainedRun())
        d.teacher_checkpoint = teacher_->checkpoint().toStdString();
    else
        d.teacher_preset = teacher_->preset().toStdString();
    d.teacher_epochs = teacherEpochs_->value();
    d.student_preset = student_->currentText().toStdString();
    d.labelled = labelled_->value();
    d.seeds = seeds_->value();
    d.stage1_epochs = stageEpochs_[0]->value();
    d.stage2_epochs = stageEpochs_[1]->value();
    d.stage3_epochs = stageEpochs_[2]->value();
    d.hint_loss = hintLoss_->currentText().toStdString();
    d.alpha = alpha_->value();
    d.temperature = temperature_->value();
    d.agreement_discount = discount_->value();
    d.baselines = baselines_->isChecked();
    return d;
}

void DistillForm::setTrainedRuns(const std::vector<TrainedRun>& runs) { teacher_->setTrainedRuns(runs); }

bool DistillForm::isReady() const { return isValid() && teacher_->hasChoice(); }

void DistillForm::setEditable(bool editable) {
    editable_ = editable;
    updateEnabled();
}

void DistillForm::updateEnabled() {
    teacher_->setEditable(editable_);
    teacherEpochs_->setEnabled(editable_ && !teacher_->usesTrainedRun());
    for (QWidget* w : std::initializer_list<QWidget*>{student_, labelled_, seeds_, stageEpochs_[0], stageEpochs_[1],
                                                      stageEpochs_[2], hintLoss_, alpha_, temperature_, discount_,
                                                      baselines_})
        w->setEnabled(editable_);
}

void DistillForm::revalidate() {
    updateEnabled();
    setError(Workbench::validationError(spec()));
}

}  // namespace sparq::ui
