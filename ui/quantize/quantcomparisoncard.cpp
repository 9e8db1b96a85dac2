#include "quantize/quantcomparisoncard.h"

#include <QLabel>
#include <QLocale>

namespace sparq::ui {
namespace {

const QString kDash = QStringLiteral("—");

QString percent(double fraction) { return QStringLiteral("%1 %").arg(fraction * 100.0, 0, 'f', 2); }

// Enough decimals for three significant digits below 10 ms.
QString milliseconds(double ms) {
    const int decimals = ms < 1.0 ? 3 : ms < 10.0 ? 2 : 1;
    return QStringLiteral("%1 ms").arg(ms, 0, 'f', decimals);
}

QString times(double ratio) { return QStringLiteral("%1×").arg(ratio, 0, 'f', 2); }

}  // namespace

bool QuantComparisonCard::meetsTarget(Row row, double ratio) {
    switch (row) {
    case Accuracy: return ratio >= kRetentionTarget;
    case LatencyB1:
    case LatencyB64: return ratio >= kSpeedupTarget;
    case Size: return ratio >= kSizeRatioTarget;
    case RowCount: break;
    }
    return false;
}

QuantComparisonCard::QuantComparisonCard(QWidget* parent)
    : ResultCard(tr("FP32 vs INT8"),
                 {tr("Test accuracy"), tr("Latency, batch 1"), tr("Latency, batch 64"), tr("Size on disk")},
                 {tr("FP32"), tr("INT8"), tr("INT8, PTQ only"), tr("INT8 vs FP32")}, QStringLiteral("quantCard"),
                 parent) {
    setObjectName(QStringLiteral("quantComparisonCard"));
    columnHead(Ptq)->setToolTip(tr("Post-training quantization of the same float model, before "
                                   "quantization-aware training"));
    emphasizeColumn(Ratio);
    clear(tr("No quantization run on show. Start one above, or pick a past run."));
}

void QuantComparisonCard::showPtqColumn(bool show) {
    showsPtq_ = show;
    setColumnVisible(Ptq, show);
}

void QuantComparisonCard::clear(const QString& message) {
    filled_ = false;
    for (bool& met : met_) met = false;
    blank(message);
    showPtqColumn(false);
}

void QuantComparisonCard::setRatio(Row row, double ratio, const QString& text) {
    QLabel* label = cell(row, Ratio);
    met_[row] = meetsTarget(row, ratio);
    markMet(label, met_[row]);
    label->setText(text);
    const QString target = row == Accuracy ? tr("target: keep at least %1 of the float accuracy")
                                                 .arg(percent(kRetentionTarget))
                           : row == Size ? tr("target: at least %1 smaller").arg(times(kSizeRatioTarget))
                                         : tr("target: at least %1 faster").arg(times(kSpeedupTarget));
    label->setToolTip(target + (met_[row] ? tr(" (met)") : tr(" (not met)")));
}

bool QuantComparisonCard::setSummary(const QJsonObject& s) {
    const qint64 run = s.value(QStringLiteral("run_id")).toInteger();
    if (!hasCompletedResult(s, "int8_accuracy")) {
        clear(noResultMessage(s, tr("Run %1 was cancelled before its INT8 model was measured.")));
        return false;
    }
    auto num = [&](const char* key) { return s.value(QLatin1String(key)).toDouble(); };
    const QString mode = s.value(QStringLiteral("mode")).toString();
    const bool qat = mode == QLatin1String("qat");

    cell(Accuracy, Fp32)->setText(percent(num("fp32_accuracy")));
    cell(Accuracy, Int8)->setText(percent(num("int8_accuracy")));
    cell(Accuracy, Int8)->setToolTip(qat ? tr("After quantization-aware training") : QString());
    setRatio(Accuracy, num("accuracy_retention"), tr("retains %1").arg(percent(num("accuracy_retention"))));

    cell(LatencyB1, Fp32)->setText(milliseconds(num("fp32_latency_ms_b1")));
    cell(LatencyB1, Int8)->setText(milliseconds(num("int8_latency_ms_b1")));
    setRatio(LatencyB1, num("speedup_b1"), tr("%1 faster").arg(times(num("speedup_b1"))));
    cell(LatencyB64, Fp32)->setText(milliseconds(num("fp32_latency_ms_b64")));
    cell(LatencyB64, Int8)->setText(milliseconds(num("int8_latency_ms_b64")));
    setRatio(LatencyB64, num("speedup_b64"), tr("%1 faster").arg(times(num("speedup_b64"))));

    const QLocale locale;
    const qint64 fp32Bytes = s.value(QStringLiteral("fp32_size_bytes")).toInteger();
    const qint64 int8Bytes = s.value(QStringLiteral("int8_size_bytes")).toInteger();
    cell(Size, Fp32)->setText(locale.formattedDataSize(fp32Bytes));
    cell(Size, Fp32)->setToolTip(tr("%1 bytes").arg(locale.toString(fp32Bytes)));
    cell(Size, Int8)->setText(locale.formattedDataSize(int8Bytes));
    cell(Size, Int8)->setToolTip(tr("%1 bytes").arg(locale.toString(int8Bytes)));
    setRatio(Size, num("size_ratio"), tr("%1 smaller").arg(times(num("size_ratio"))));

    for (int r = 0; r < RowCount; ++r) cell(Row(r), Ptq)->setText(r == Accuracy ? QString() : kDash);
    if (qat) {
        cell(Accuracy, Ptq)->setText(tr("%1 (retains %2)")
                                           .arg(percent(num("ptq_int8_accuracy")),
                                                percent(num("ptq_accuracy_retention"))));
        const double gain = num("int8_accuracy") - num("ptq_int8_accuracy");
        cell(Accuracy, Ptq)->setToolTip(tr("QAT changed the INT8 accuracy by %1 points")
                                              .arg(gain * 100.0, 0, 'f', 2));
    }
    showPtqColumn(qat);
    columnHead(Int8)->setText(qat ? tr("INT8, QAT") : tr("INT8"));

    const QString preset = s.value(QStringLiteral("preset")).toString();
    const QString arch = s.value(QStringLiteral("arch")).toString();
    headline()->setText(tr("<b>Run %1</b> · %2 (%3) · %4 · observer %5 · INT8 kernel %6")
                            .arg(run)
                            .arg(preset.toHtmlEscaped(), arch.toHtmlEscaped(),
                                 qat ? tr("quantization-aware training") : tr("post-training quantization"),
                                 s.value(QStringLiteral("observer")).toString().toHtmlEscaped(),
                                 s.value(QStringLiteral("kernel")).toString().toHtmlEscaped()));
    const int alerts = s.value(QStringLiteral("alerts")).toInt();
    QString text = tr("Largest layer error %1").arg(num("max_layer_error"), 0, 'g', 3);
    if (alerts > 0) text += tr(" · %n layer(s) above the alert threshold", nullptr, alerts);
    text += tr(" · %1 s").arg(num("wall_s"), 0, 'f', 1);
    const QString model = s.value(QStringLiteral("int8_model")).toString();
    if (!model.isEmpty()) text += tr("\nINT8 model: %1").arg(model);
    footer()->setText(text);
    filled_ = true;
    return true;
}

}  // namespace sparq::ui
