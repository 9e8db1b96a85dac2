#pragma once
// ErrorLabel: a message in the error colour, word-wrapped, hidden while there is none.
#include <QLabel>
#include <QString>

namespace sparq::ui {

class ErrorLabel : public QLabel {
    Q_OBJECT
public:
    explicit ErrorLabel(QWidget* parent = nullptr);

    /// Shows `message`; an empty one hides the label.
    void showMessage(const QString& message);
};

}  // namespace sparq::ui
