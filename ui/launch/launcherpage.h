#pragma once
// LauncherPage: pick a preset, edit the job's main fields (a form generated from
// engine::train_fields(), validated as you type through engine::set_field()), start and stop.
#include <map>
#include <string>

#include <QString>
#include <QWidget>

#include "sparq/engine/train.h"

class QAbstractSpinBox;
class QComboBox;
class QLabel;
class QPushButton;

namespace sparq::ui {

class Workbench;

class LauncherPage : public QWidget {
    Q_OBJECT
public:
    explicit LauncherPage(Workbench* workbench, QWidget* parent = nullptr);

    /// The spec the form describes (the preset with the form's values applied).
    const engine::TrainSpec& spec() const { return spec_; }
    /// True when every field is valid and the spec passes engine::validate().
    bool isValid() const;
    QString presetName() const;

    /// Selects a preset by name; false when there is no such preset.
    bool selectPreset(const QString& name);
    /// Puts a spec in the form (e.g. the settings of a run from the history).
    void loadSpec(const engine::TrainSpec& spec, const QString& origin);
    /// Sets a field from its text form, through its form widget when it has one (so the
    /// usual validation runs); fields outside the short form are set on the spec directly.
    /// Returns false when the value is rejected.
    bool setFieldText(const QString& key, const QString& text);
    /// The error shown next to a field, or an empty string.
    QString fieldError(const QString& key) const;
    QWidget* fieldWidget(const QString& key) const;
    QPushButton* startButton() const { return start_; }
    QPushButton* stopButton() const { return stop_; }

public slots:
    /// Starts the job the form describes (does nothing while invalid or while a job runs).
    void startJob();
    void stopJob();

signals:
    void jobStarted();

private:
    struct Field {
        engine::FieldInfo info;
        QWidget* editor = nullptr;
        QLabel* error = nullptr;  // help text, or the error in red
        QString errorText;
        bool valid = true;
    };

    void buildForm();
    void watchSpinText(QAbstractSpinBox* spin, const std::string& key);
    void loadPreset(const QString& name);
    void populate();                       // spec_ -> widgets
    QString editorText(const Field& f) const;
    void fieldEdited(const std::string& key);
    void setFieldError(Field& f, const QString& error);
    void revalidate();                     // cross-field check + buttons
    void updateButtons();

    Workbench* workbench_;
    engine::TrainSpec spec_;
    std::map<std::string, Field> fields_;
    bool populating_ = false;
    bool specValid_ = true;  // engine::validate() accepts spec_

    QComboBox* presets_ = nullptr;
    QLabel* origin_ = nullptr;
    QLabel* specError_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* stop_ = nullptr;
};

}  // namespace sparq::ui
