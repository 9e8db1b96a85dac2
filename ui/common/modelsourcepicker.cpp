#include "common/modelsourcepicker.h"

#include <algorithm>

#include <QButtonGroup>
#include <QComboBox>
#include <QGridLayout>
#include <QRadioButton>

#include "sparq/engine/train.h"

namespace sparq::ui {
namespace {

constexpr int kIdRole = Qt::UserRole;
constexpr int kPathRole = Qt::UserRole + 1;
constexpr int kPresetRole = Qt::UserRole + 2;

}  // namespace

ModelSourcePicker::ModelSourcePicker(const QString& defaultPreset, QWidget* parent) : QWidget(parent) {
    auto* layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    fromPreset_ = new QRadioButton(tr("Preset"), this);
    fromPreset_->setObjectName(QStringLiteral("fromPreset"));
    fromRun_ = new QRadioButton(tr("Trained run"), this);
    fromRun_->setObjectName(QStringLiteral("fromTrainedRun"));
    auto* sources = new QButtonGroup(this);
    sources->addButton(fromPreset_);
    sources->addButton(fromRun_);
    fromPreset_->setChecked(true);

    presets_ = new QComboBox(this);
    presets_->setObjectName(QStringLiteral("presetCombo"));
    for (const auto& name : engine::list_presets()) presets_->addItem(QString::fromStdString(name));
    presets_->setCurrentIndex(std::max(0, presets_->findText(defaultPreset)));
    trained_ = new QComboBox(this);
    trained_->setObjectName(QStringLiteral("trainedRunCombo"));
    trained_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    trained_->setMinimumContentsLength(24);
    trained_->setPlaceholderText(tr("no trained run with a checkpoint yet"));
    layout->addWidget(fromPreset_, 0, 0);
    layout->addWidget(presets_, 0, 1);
    layout->addWidget(fromRun_, 1, 0);
    layout->addWidget(trained_, 1, 1);
    layout->setColumnStretch(1, 1);

    connect(fromPreset_, &QRadioButton::toggled, this, [this] {
        updateEnabled();
        emit changed();
    });
    connect(presets_, &QComboBox::currentIndexChanged, this, &ModelSourcePicker::changed);
    connect(trained_, &QComboBox::currentIndexChanged, this, &ModelSourcePicker::changed);
    updateEnabled();
}

void ModelSourcePicker::setTrainedRuns(const std::vector<TrainedRun>& runs) {
    const qint64 keep = trainedRun();
    {
        const QSignalBlocker block(trained_);
        trained_->clear();
        for (const TrainedRun& t : runs) {
            trained_->addItem(t.label, t.id);
            const int i = trained_->count() - 1;
            trained_->setItemData(i, t.checkpoint, kPathRole);
            trained_->setItemData(i, t.preset, kPresetRole);
            trained_->setItemData(i, t.checkpoint, Qt::ToolTipRole);
        }
        const int index = trained_->findData(keep, kIdRole);
        trained_->setCurrentIndex(index >= 0 ? index : (trained_->count() > 0 ? 0 : -1));
    }
    if (runs.empty() && fromRun_->isChecked()) fromPreset_->setChecked(true);
    updateEnabled();
    if (trainedRun() != keep) emit changed();
}

bool ModelSourcePicker::selectPreset(const QString& name) {
    const int index = presets_->findText(name);
    if (index < 0) return false;
    presets_->setCurrentIndex(index);
    fromPreset_->setChecked(true);
    return true;
}

bool ModelSourcePicker::selectTrainedRun(qint64 runId) {
    const int index = trained_->findData(runId, kIdRole);
    if (index < 0) return false;
    trained_->setCurrentIndex(index);
    fromRun_->setChecked(true);
    return true;
}

bool ModelSourcePicker::usesTrainedRun() const { return fromRun_->isChecked() && trained_->currentIndex() >= 0; }

bool ModelSourcePicker::hasChoice() const { return fromRun_->isChecked() ? trained_->currentIndex() >= 0 : presets_->count() > 0; }

QString ModelSourcePicker::preset() const { return presets_->currentText(); }

qint64 ModelSourcePicker::trainedRun() const { return trained_->currentData(kIdRole).toLongLong(); }

QString ModelSourcePicker::checkpoint() const { return trained_->currentData(kPathRole).toString(); }

QString ModelSourcePicker::trainedRunPreset() const { return trained_->currentData(kPresetRole).toString(); }

void ModelSourcePicker::setEditable(bool editable) {
    editable_ = editable;
    updateEnabled();
}

void ModelSourcePicker::updateEnabled() {
    fromPreset_->setEnabled(editable_);
    fromRun_->setEnabled(editable_ && trained_->count() > 0);
    presets_->setEnabled(editable_ && fromPreset_->isChecked());
    trained_->setEnabled(editable_ && fromRun_->isChecked());
}

}  // namespace sparq::ui
