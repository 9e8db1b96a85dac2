#include "common/jobform.h"

#include "common/errorlabel.h"

namespace sparq::ui {

JobForm::JobForm(const QString& title, const QString& errorName, QWidget* parent) : QGroupBox(title, parent) {
    errorLabel_ = new ErrorLabel(this);
    errorLabel_->setObjectName(errorName);
}

void JobForm::setError(const QString& error) {
    error_ = error;
    errorLabel_->showMessage(error_);
    emit changed();
}

}  // namespace sparq::ui
