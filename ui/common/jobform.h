#pragma once
// JobForm: the frame of a technique page's job form (DistillForm, ContinualForm): a titled box
// whose subclass lays out the fields, the message under them saying what is wrong with the job
// they describe (the engine's own objection, through Workbench::validationError), and the
// signal that a field changed.
#include <QGroupBox>
#include <QString>

namespace sparq::ui {

class ErrorLabel;

class JobForm : public QGroupBox {
    Q_OBJECT
public:
    /// What is wrong with the job the fields describe; empty when it is valid.
    QString error() const { return error_; }
    bool isValid() const { return error_.isEmpty(); }
    /// Whether a job can start from the form (valid, and whatever else the form needs).
    virtual bool isReady() const { return isValid(); }
    /// Locks the fields while a job runs.
    virtual void setEditable(bool editable) = 0;
    ErrorLabel* errorLabel() const { return errorLabel_; }

signals:
    /// A field changed; error() is up to date.
    void changed();

protected:
    /// The message label is named `errorName`; the subclass places it under its fields.
    JobForm(const QString& title, const QString& errorName, QWidget* parent);
    /// Shows `error` (empty: none) under the fields and emits changed().
    void setError(const QString& error);

private:
    ErrorLabel* errorLabel_ = nullptr;
    QString error_;
};

}  // namespace sparq::ui
