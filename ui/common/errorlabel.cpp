#include "common/errorlabel.h"

namespace sparq::ui {

ErrorLabel::ErrorLabel(QWidget* parent) : QLabel(parent) {
    setStyleSheet(QStringLiteral("color: #c02020;"));
    setWordWrap(true);
    hide();
}

void ErrorLabel::showMessage(const QString& message) {
    setText(message);
    setVisible(!message.isEmpty());
}

}  // namespace sparq::ui
