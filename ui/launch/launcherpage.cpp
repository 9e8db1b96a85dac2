#include "launch/launcherpage.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <exception>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include "common/compactdoublespinbox.h"
#include "sparq/engine/errors.h"
#include "core/workbench.h"

namespace sparq::ui {
namespace {

using engine::FieldType;

QString displayName(const std::string& key) {
    QString s = QString::fromStdString(key);
    s.replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!s.isEmpty()) s[0] = s[0].toUpper();
    if (s == QLatin1String("Lr")) return QStringLiteral("Learning rate");
    return s;
}

QString presetDescription(const QString& name) {
    try {
        return QString::fromStdString(engine::load_preset(name.toStdString()).description);
    } catch (const std::exception&) {
        return {};  // the launcher shows the load error itself
    }
}

int clampToInt(double v) {
    return int(std::clamp(v, double(INT_MIN), double(INT_MAX)));
}

// Enough decimals to show the smallest allowed value with two significant digits.
int decimalsFor(const engine::FieldInfo& info) {
    const double smallest = info.min > 0 ? info.min : 1e-4;
    return std::clamp(int(std::ceil(-std::log10(smallest))) + 2, 2, 10);
}

}  // namespace

// A spin box signals only values it accepts (and its line edit stays silent when the value is
// set in code); the line edit signals every keystroke, so an out-of-range number as typed
// ("0" epochs) also reaches set_field() and gets explained.
void LauncherPage::watchSpinText(QAbstractSpinBox* spin, const std::string& key) {
    if (auto* edit = spin->findChild<QLineEdit*>())
        connect(edit, &QLineEdit::textChanged, this, [this, key] { fieldEdited(key); });
}

LauncherPage::LauncherPage(Workbench* workbench, QWidget* parent)
    : QWidget(parent), workbench_(workbench) {
    auto* layout = new QVBoxLayout(this);

    auto* heading = new QLabel(tr("<h2>Launch a training job</h2>"), this);
    layout->addWidget(heading);

    auto* presetRow = new QHBoxLayout;
    presetRow->addWidget(new QLabel(tr("Preset:"), this));
    presets_ = new QComboBox(this);
    presets_->setObjectName(QStringLiteral("presetCombo"));
    presets_->setMinimumContentsLength(20);
    presetRow->addWidget(presets_);
    origin_ = new QLabel(this);
    origin_->setStyleSheet(QStringLiteral("color: palette(mid);"));
    presetRow->addWidget(origin_, 1);
    layout->addLayout(presetRow);

    buildForm();

    specError_ = new QLabel(this);
    specError_->setObjectName(QStringLiteral("specError"));
    specError_->setStyleSheet(QStringLiteral("color: #c02020;"));
    specError_->setWordWrap(true);
    layout->addWidget(specError_);

    auto* buttons = new QHBoxLayout;
    start_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start"), this);
    start_->setObjectName(QStringLiteral("startButton"));
    start_->setToolTip(tr("Start the job (Ctrl+Return)"));
    stop_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"), this);
    stop_->setObjectName(QStringLiteral("stopButton"));
    stop_->setToolTip(tr("Stop the running job (Ctrl+. or Esc)"));
    buttons->addWidget(start_);
    buttons->addWidget(stop_);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    layout->addStretch(1);

    connect(start_, &QPushButton::clicked, this, &LauncherPage::startJob);
    connect(stop_, &QPushButton::clicked, this, &LauncherPage::stopJob);
    // The launcher drives training jobs: its buttons follow them.
    connect(workbench_, &Workbench::laneStarted, this, &LauncherPage::updateButtons);
    connect(workbench_, &Workbench::laneFinished, this, &LauncherPage::updateButtons);

    QStringList names;
    for (const auto& name : engine::list_presets()) names << QString::fromStdString(name);
    presets_->addItems(names);
    if (names.isEmpty()) {
        origin_->setText(tr("no presets found; using the built-in defaults"));
        populate();
    } else {
        const int mlp = names.indexOf(QStringLiteral("mlp-fashion"));
        presets_->setCurrentIndex(mlp >= 0 ? mlp : 0);
        loadPreset(presets_->currentText());
    }
    connect(presets_, &QComboBox::currentTextChanged, this, &LauncherPage::loadPreset);
}

void LauncherPage::buildForm() {
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    static_cast<QVBoxLayout*>(layout())->addLayout(form);

    for (const engine::FieldInfo& info : engine::spec_fields<engine::TrainSpec>()) {
        if (!info.main) continue;
        Field field;
        field.info = info;
        const std::string key = info.key;
        const QString tip = QString::fromStdString(info.help);
        QWidget* editor = nullptr;

        switch (info.type) {
        case FieldType::Int: {
            auto* spin = new QSpinBox(this);
            const bool bounded = info.max > info.min;
            spin->setRange(bounded ? clampToInt(info.min) : 0, bounded ? clampToInt(info.max) : INT_MAX);
            spin->setGroupSeparatorShown(true);
            connect(spin, &QSpinBox::valueChanged, this, [this, key] { fieldEdited(key); });
            watchSpinText(spin, key);
            editor = spin;
            break;
        }
        case FieldType::Float: {
            auto* spin = new CompactDoubleSpinBox(this);
            spin->setDecimals(decimalsFor(info));
            const bool bounded = info.max > info.min;
            spin->setRange(bounded ? info.min : 0.0, bounded ? info.max : 1e12);
            spin->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
            connect(spin, &QDoubleSpinBox::valueChanged, this, [this, key] { fieldEdited(key); });
            watchSpinText(spin, key);
            editor = spin;
            break;
        }
        case FieldType::Choice: {
            auto* combo = new QComboBox(this);
            for (const auto& c : info.choices) combo->addItem(QString::fromStdString(c));
            connect(combo, &QComboBox::currentTextChanged, this, [this, key] { fieldEdited(key); });
            editor = combo;
            break;
        }
        case FieldType::Bool: {
            auto* check = new QCheckBox(this);
            connect(check, &QCheckBox::toggled, this, [this, key] { fieldEdited(key); });
            editor = check;
            break;
        }
        case FieldType::Text:
        case FieldType::IntList:
        case FieldType::FloatList:
        case FieldType::ChoiceList: {
            auto* edit = new QLineEdit(this);
            if (info.type == FieldType::IntList)
                edit->setPlaceholderText(tr("comma-separated integers, e.g. 512,256"));
            connect(edit, &QLineEdit::textChanged, this, [this, key] { fieldEdited(key); });
            editor = edit;
            break;
        }
        }
        editor->setObjectName(QStringLiteral("field_") + QString::fromStdString(key));
        editor->setToolTip(tip);

        auto* row = new QHBoxLayout;
        row->addWidget(editor, 1);
        if (key == "data_dir") {
            auto* browse = new QToolButton(this);
            browse->setText(QStringLiteral("…"));
            browse->setToolTip(tr("Choose a folder of IDX files"));
            auto* edit = static_cast<QLineEdit*>(editor);
            connect(browse, &QToolButton::clicked, this, [this, edit] {
                const QString dir = QFileDialog::getExistingDirectory(
                    this, tr("Folder of IDX files"), edit->text());
                if (!dir.isEmpty()) edit->setText(dir);
            });
            row->addWidget(browse);
        }
        field.error = new QLabel(this);
        field.error->setObjectName(QStringLiteral("error_") + QString::fromStdString(key));
        field.error->setWordWrap(true);
        field.error->setMinimumWidth(280);
        row->addWidget(field.error, 1);
        editor->setMinimumWidth(160);
        editor->setMaximumWidth(key == "data_dir" || key == "name" || key == "resume" ? 520 : 260);
        field.editor = editor;

        auto* label = new QLabel(displayName(key) + QLatin1Char(':'), this);
        label->setToolTip(tip);
        label->setBuddy(editor);
        form->addRow(label, row);
        fields_.emplace(key, std::move(field));
    }
}

void LauncherPage::loadPreset(const QString& name) {
    if (name.isEmpty()) return;
    try {
        spec_ = engine::load_preset(name.toStdString());
        const QString description = presetDescription(name);
        origin_->setText(description.isEmpty() ? tr("preset %1").arg(name) : description);
    } catch (const std::exception& e) {
        origin_->setText(QString());
        specError_->setText(QString::fromUtf8(e.what()));
        updateButtons();
        return;
    }
    populate();
}

bool LauncherPage::selectPreset(const QString& name) {
    const int index = presets_->findText(name);
    if (index < 0) return false;
    if (index == presets_->currentIndex())
        loadPreset(name);  // reload: forget edits
    else
        presets_->setCurrentIndex(index);
    return true;
}

QString LauncherPage::presetName() const { return QString::fromStdString(spec_.preset); }

void LauncherPage::loadSpec(const engine::TrainSpec& spec, const QString& origin) {
    spec_ = spec;
    spec_.resume.clear();
    origin_->setText(origin);
    {
        const QSignalBlocker block(presets_);
        const int index = presets_->findText(QString::fromStdString(spec.preset));
        if (index >= 0) presets_->setCurrentIndex(index);
    }
    populate();
}

void LauncherPage::populate() {
    populating_ = true;
    for (auto& [key, f] : fields_) {
        const QString value = QString::fromStdString(engine::get_field(spec_, key));
        const QSignalBlocker block(f.editor);
        if (auto* spin = qobject_cast<QSpinBox*>(f.editor))
            spin->setValue(value.toInt());
        else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(f.editor))
            dspin->setValue(value.toDouble());
        else if (auto* combo = qobject_cast<QComboBox*>(f.editor))
            combo->setCurrentIndex(std::max(0, combo->findText(value)));
        else if (auto* check = qobject_cast<QCheckBox*>(f.editor))
            check->setChecked(value == QLatin1String("true") || value == QLatin1String("1"));
        else if (auto* edit = qobject_cast<QLineEdit*>(f.editor))
            edit->setText(value);
        setFieldError(f, {});
    }
    populating_ = false;
    // A spin box may have clamped a value: take the form's values as the truth.
    for (auto& entry : fields_) fieldEdited(entry.first);
    revalidate();
}

QString LauncherPage::editorText(const Field& f) const {
    // Spin boxes: what is typed, even out of range, so that set_field() can say what is wrong.
    if (auto* spin = qobject_cast<QSpinBox*>(f.editor)) {
        const QString typed = spin->cleanText();
        bool ok = false;
        const qlonglong v = spin->locale().toLongLong(typed, &ok);
        return ok ? QString::number(v) : typed;
    }
    if (auto* dspin = qobject_cast<QDoubleSpinBox*>(f.editor)) {
        const QString typed = dspin->cleanText();
        bool ok = false;
        const double v = dspin->locale().toDouble(typed, &ok);
        return ok ? QString::number(v, 'g', 12) : typed;
    }
    if (auto* combo = qobject_cast<QComboBox*>(f.editor)) return combo->currentText();
    if (auto* check = qobject_cast<QCheckBox*>(f.editor))
        return check->isChecked() ? QStringLiteral("true") : QStringLiteral("false");
    if (auto* edit = qobject_cast<QLineEdit*>(f.editor)) return edit->text();
    return {};
}

void LauncherPage::fieldEdited(const std::string& key) {
    if (populating_) return;
    Field& f = fields_.at(key);
    engine::TrainSpec candidate = spec_;
    try {
        engine::set_field(candidate, key, editorText(f).trimmed().toStdString());
        spec_ = std::move(candidate);
        setFieldError(f, {});
    } catch (const std::exception& e) {
        setFieldError(f, QString::fromUtf8(e.what()));
    }
    revalidate();
}

// Next to each field: its help in grey while the value is valid, the engine's message in red
// when it is not.
void LauncherPage::setFieldError(Field& f, const QString& error) {
    f.valid = error.isEmpty();
    f.errorText = error;
    if (f.valid) {
        f.error->setStyleSheet(QStringLiteral("color: palette(dark);"));
        f.error->setText(QString::fromStdString(f.info.help));
    } else {
        f.error->setStyleSheet(QStringLiteral("color: #c02020;"));
        f.error->setText(error);
    }
}

bool LauncherPage::setFieldText(const QString& key, const QString& text) {
    const auto it = fields_.find(key.toStdString());
    if (it == fields_.end()) {
        try {
            engine::set_field(spec_, key.toStdString(), text.toStdString());
        } catch (const std::exception& e) {
            specError_->setText(QString::fromUtf8(e.what()));
            return false;
        }
        revalidate();
        return true;
    }
    Field& f = it->second;
    if (auto* spin = qobject_cast<QSpinBox*>(f.editor)) {
        bool ok = false;
        const int v = text.toInt(&ok);
        if (!ok || v < spin->minimum() || v > spin->maximum()) return false;
        spin->setValue(v);
    } else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(f.editor)) {
        bool ok = false;
        const double v = text.toDouble(&ok);
        if (!ok || v < dspin->minimum() || v > dspin->maximum()) return false;
        dspin->setValue(v);
    } else if (auto* combo = qobject_cast<QComboBox*>(f.editor)) {
        const int index = combo->findText(text);
        if (index < 0) return false;
        combo->setCurrentIndex(index);
    } else if (auto* check = qobject_cast<QCheckBox*>(f.editor)) {
        check->setChecked(text == QLatin1String("true") || text == QLatin1String("1"));
    } else if (auto* edit = qobject_cast<QLineEdit*>(f.editor)) {
        edit->setText(text);
    }
    fieldEdited(it->first);  // also when the value did not change
    return f.valid;
}

QString LauncherPage::fieldError(const QString& key) const {
    const auto it = fields_.find(key.toStdString());
    return it == fields_.end() ? QString() : it->second.errorText;
}

QWidget* LauncherPage::fieldWidget(const QString& key) const {
    const auto it = fields_.find(key.toStdString());
    return it == fields_.end() ? nullptr : it->second.editor;
}

bool LauncherPage::isValid() const {
    return specValid_ &&
           std::all_of(fields_.begin(), fields_.end(), [](const auto& e) { return e.second.valid; });
}

void LauncherPage::revalidate() {
    const bool fieldsValid =
        std::all_of(fields_.begin(), fields_.end(), [](const auto& e) { return e.second.valid; });
    QString error;
    if (fieldsValid) {
        try {
            engine::validate(spec_);
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
    }
    specValid_ = error.isEmpty();
    specError_->setText(error);
    updateButtons();
}

void LauncherPage::updateButtons() {
    const bool running = workbench_->isRunning(engine::JobKind::Train);
    start_->setEnabled(!running && isValid());
    stop_->setEnabled(running);
    presets_->setEnabled(!running);
}

void LauncherPage::startJob() {
    if (workbench_->isRunning(engine::JobKind::Train) || !isValid()) return;
    try {
        workbench_->start(spec_);
    } catch (const std::exception& e) {
        specError_->setText(tr("Could not start the job: %1").arg(QString::fromUtf8(e.what())));
        updateButtons();
        return;
    }
    emit jobStarted();
}

void LauncherPage::stopJob() { workbench_->stop(engine::JobKind::Train); }

}  // namespace sparq::ui
