#pragma once
// ExportResultView: how an export ended — what it wrote and how well the reloaded file matched
// the engine on the test images (largest logit difference against the tolerance, argmax
// agreement, test accuracy of both), the INT8 model behind it and the engine's messages; or,
// in the error colour, why it failed (nothing is left at the destination then).
#include <array>

#include <QGroupBox>
#include <QString>

#include "sparq/engine/export.h"

class QFormLayout;
class QLabel;

namespace sparq::ui {

class ErrorLabel;

class ExportResultView : public QGroupBox {
    Q_OBJECT
public:
    /// The rows, in the order shown.
    enum Field { Path, Size, Onnx, Samples, MaxDiff, Agreement, Accuracy, Int8Model, Messages, FieldCount };

    explicit ExportResultView(QWidget* parent = nullptr);

    /// Shows a finished export.
    void showResult(const engine::ExportResult& result);
    /// Shows why an export failed. `verification`: the file was written but did not compute what
    /// the engine computes (and was removed).
    void showFailure(const QString& message, bool verification);
    /// Empties and hides the view.
    void clear();

    QLabel* headline() const { return headline_; }
    ErrorLabel* failure() const { return failure_; }
    /// The value of a row (hidden when a result has nothing for it).
    QLabel* field(Field f) const { return fields_[std::size_t(f)]; }

private:
    void setField(Field f, const QString& text);

    QLabel* headline_ = nullptr;
    ErrorLabel* failure_ = nullptr;
    QFormLayout* form_ = nullptr;
    std::array<QLabel*, FieldCount> fields_{};
};

}  // namespace sparq::ui
