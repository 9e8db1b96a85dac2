#include "export/exportresultview.h"

#include <QDir>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QStringList>
#include <QVBoxLayout>

#include "common/errorlabel.h"
#include "common/resultcard.h"

namespace sparq::ui {
namespace {

QString percent(double fraction) { return QStringLiteral("%1 %").arg(fraction * 100.0, 0, 'f', 2); }

QString scientific(double v) { return QString::number(v, 'g', 3); }

}  // namespace

ExportResultView::ExportResultView(QWidget* parent) : QGroupBox(tr("Verification"), parent) {
    setObjectName(QStringLiteral("exportResult"));
    auto* layout = new QVBoxLayout(this);
    headline_ = new QLabel(this);
    headline_->setObjectName(QStringLiteral("exportHeadline"));
    headline_->setWordWrap(true);
    layout->addWidget(headline_);
    failure_ = new ErrorLabel(this);
    failure_->setObjectName(QStringLiteral("exportFailure"));
    failure_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(failure_);

    form_ = new QFormLayout;
    form_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    const std::array<QString, FieldCount> names{tr("Written:"),          tr("Size:"),           tr("ONNX:"),
                                                tr("Verified on:"),      tr("Max |Δ logit|:"),  tr("Argmax agreement:"),
                                                tr("Test accuracy:"),    tr("INT8 model:"),     tr("Messages:")};
    for (int f = 0; f < FieldCount; ++f) {
        auto* value = new QLabel(this);
        value->setObjectName(QStringLiteral("exportField%1").arg(f));
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        fields_[std::size_t(f)] = value;
        form_->addRow(names[std::size_t(f)], value);
    }
    layout->addLayout(form_);
    clear();
}

void ExportResultView::setField(Field f, const QString& text) {
    fields_[std::size_t(f)]->setText(text);
    form_->setRowVisible(int(f), !text.isEmpty());
}

void ExportResultView::clear() {
    headline_->clear();
    failure_->showMessage({});
    for (int f = 0; f < FieldCount; ++f) setField(Field(f), {});
    hide();
}

void ExportResultView::showResult(const engine::ExportResult& r) {
    clear();
    const bool fp32 = r.precision == "fp32";
    headline_->setText(tr("Exported and verified in %1 s: the reloaded file computes what the engine computes.")
                           .arg(r.wall_s, 0, 'f', 1));
    headline_->setStyleSheet(QStringLiteral("color: %1;").arg(ResultCard::targetMetColor().name()));

    QString written = QString::fromStdString(r.path);
    if (r.files.size() > 1) {  // a Triton model folder: its files by their names in it
        const QDir folder(written);
        QStringList files;
        for (const std::string& f : r.files) files << folder.relativeFilePath(QString::fromStdString(f));
        written += QLatin1Char('\n') + files.join(QStringLiteral(" · "));
    }
    setField(Path, written);
    setField(Size, tr("%1 (%2 bytes)").arg(QLocale().formattedDataSize(r.bytes), QLocale().toString(qint64(r.bytes))));
    if (r.opset > 0) setField(Onnx, tr("opset %1, IR version %2").arg(r.opset).arg(r.ir_version));
    setField(Samples, tr("%1 test images").arg(QLocale().toString(qint64(r.samples))));
    // FP32 is held to a logit tolerance; INT8 to the class the engine's INT8 model picks.
    setField(MaxDiff, fp32 ? tr("%1 (tolerance %2; %3 images over it)")
                                 .arg(scientific(r.max_abs_diff), scientific(r.tolerance))
                                 .arg(r.images_over_tolerance)
                           : tr("%1 (INT8 is held to the engine's class on 99 % of the images, not to a tolerance)")
                                 .arg(scientific(r.max_abs_diff)));
    setField(Agreement, percent(r.argmax_agreement));
    setField(Accuracy, tr("%1 (engine %2)").arg(percent(r.test_accuracy), percent(r.engine_test_accuracy)));
    if (!r.int8_model.empty())
        setField(Int8Model, QString::fromStdString(r.int8_model) +
                                (r.quantized_now ? tr("\nquantized now: the run had no INT8 model, post-training "
                                                      "quantization ran first and the model was kept with the run")
                                                 : QString()));
    QStringList messages;
    for (const std::string& m : r.messages) messages << QStringLiteral("• ") + QString::fromStdString(m);
    setField(Messages, messages.join(QLatin1Char('\n')));
    show();
}

void ExportResultView::showFailure(const QString& message, bool verification) {
    clear();
    headline_->setStyleSheet({});
    headline_->setText(verification ? tr("<b>The export failed verification.</b> Nothing was left at the destination.")
                                    : tr("<b>The export failed.</b> Nothing was left at the destination."));
    failure_->showMessage(message);
    show();
}

}  // namespace sparq::ui
