#include "quantcomparisoncard.h"

#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

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

QLabel* makeLabel(QWidget* parent, Qt::Alignment align, bool bold = false) {
    auto* label = new QLabel(parent);
    label->setAlignment(align | Qt::AlignVCenter);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    if (bold) {
        QFont f = label->font();
        f.setBold(true);
        label->setFont(f);
    }
    return label;
}

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

QuantComparisonCard::QuantComparisonCard(QWidget* parent) : QFrame(parent) {
    setObjectName(QStringLiteral("quantComparisonCard"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    auto* layout = new QVBoxLayout(this);

    auto* title = new QLabel(tr("<b>FP32 vs INT8</b>"), this);
    layout->addWidget(title);
    headline_ = new QLabel(this);
    headline_->setObjectName(QStringLiteral("quantCardHeadline"));
    headline_->setWordWrap(true);
    layout->addWidget(headline_);

    grid_ = new QGridLayout;
    grid_->setHorizontalSpacing(18);
    grid_->setVerticalSpacing(6);
    const char* heads[ColumnCount] = {QT_TR_NOOP("FP32"), QT_TR_NOOP("INT8"), QT_TR_NOOP("INT8, PTQ only"),
                                      QT_TR_NOOP("INT8 vs FP32")};
    for (int c = 0; c < ColumnCount; ++c) {
        columnHeads_[c] = makeLabel(this, Qt::AlignRight, true);
        columnHeads_[c]->setText(tr(heads[c]));
        grid_->addWidget(columnHeads_[c], 0, c + 1);
    }
    columnHeads_[Ptq]->setToolTip(tr("Post-training quantization of the same float model, before "
                                     "quantization-aware training"));
    const char* rows[RowCount] = {QT_TR_NOOP("Test accuracy"), QT_TR_NOOP("Latency, batch 1"),
                                  QT_TR_NOOP("Latency, batch 64"), QT_TR_NOOP("Size on disk")};
    for (int r = 0; r < RowCount; ++r) {
        auto* head = makeLabel(this, Qt::AlignLeft, true);
        head->setText(tr(rows[r]));
        grid_->addWidget(head, r + 1, 0);
        for (int c = 0; c < ColumnCount; ++c) {
            cells_[r][c] = makeLabel(this, Qt::AlignRight, c == Ratio);
            cells_[r][c]->setObjectName(QStringLiteral("quantCell_%1_%2").arg(r).arg(c));
            grid_->addWidget(cells_[r][c], r + 1, c + 1);
        }
    }
    grid_->setColumnStretch(0, 1);
    layout->addLayout(grid_);

    footer_ = new QLabel(this);
    footer_->setObjectName(QStringLiteral("quantCardFooter"));
    footer_->setWordWrap(true);
    footer_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    footer_->setStyleSheet(QStringLiteral("color: palette(dark);"));
    layout->addWidget(footer_);
    layout->addStretch(1);

    clear(tr("No quantization run on show. Start one above, or pick a past run."));
}

void QuantComparisonCard::showPtqColumn(bool show) {
    showsPtq_ = show;
    columnHeads_[Ptq]->setVisible(show);
    for (int r = 0; r < RowCount; ++r) cells_[r][Ptq]->setVisible(show);
}

void QuantComparisonCard::clear(const QString& message) {
    filled_ = false;
    for (int r = 0; r < RowCount; ++r) {
        for (int c = 0; c < ColumnCount; ++c) {
            cells_[r][c]->setText(kDash);
            cells_[r][c]->setToolTip(QString());
            cells_[r][c]->setPalette(palette());
        }
        met_[r] = false;
    }
    showPtqColumn(false);
    headline_->setText(message);
    footer_->clear();
}

void QuantComparisonCard::setRatio(Row row, double ratio, const QString& text) {
    QLabel* label = cells_[row][Ratio];
    met_[row] = meetsTarget(row, ratio);
    QPalette p = palette();
    if (met_[row]) p.setColor(QPalette::WindowText, targetMetColor());
    label->setPalette(p);
    label->setText(text);
    const QString target = row == Accuracy ? tr("target: keep at least %1 of the float accuracy")
                                                 .arg(percent(kRetentionTarget))
                           : row == Size ? tr("target: at least %1 smaller").arg(times(kSizeRatioTarget))
                                         : tr("target: at least %1 faster").arg(times(kSpeedupTarget));
    label->setToolTip(target + (met_[row] ? tr(" (met)") : tr(" (not met)")));
}

bool QuantComparisonCard::setSummary(const QJsonObject& s) {
    const QString status = s.value(QStringLiteral("status")).toString();
    const qint64 run = s.value(QStringLiteral("run_id")).toInteger();
    if (status != QLatin1String("completed") || !s.contains(QStringLiteral("int8_accuracy"))) {
        const QString error = s.value(QStringLiteral("error")).toString();
        QString message;
        if (status == QLatin1String("cancelled"))
            message = tr("Run %1 was cancelled before its INT8 model was measured.").arg(run);
        else if (status == QLatin1String("failed") || !error.isEmpty())
            message = tr("Run %1 failed: %2").arg(run).arg(error.isEmpty() ? tr("no reason recorded") : error);
        else
            message = tr("This run has no comparison (yet).");
        clear(message);
        return false;
    }
    auto num = [&](const char* key) { return s.value(QLatin1String(key)).toDouble(); };
    const QString mode = s.value(QStringLiteral("mode")).toString();
    const bool qat = mode == QLatin1String("qat");

    cells_[Accuracy][Fp32]->setText(percent(num("fp32_accuracy")));
    cells_[Accuracy][Int8]->setText(percent(num("int8_accuracy")));
    cells_[Accuracy][Int8]->setToolTip(qat ? tr("After quantization-aware training") : QString());
    setRatio(Accuracy, num("accuracy_retention"), tr("retains %1").arg(percent(num("accuracy_retention"))));

    cells_[LatencyB1][Fp32]->setText(milliseconds(num("fp32_latency_ms_b1")));
    cells_[LatencyB1][Int8]->setText(milliseconds(num("int8_latency_ms_b1")));
    setRatio(LatencyB1, num("speedup_b1"), tr("%1 faster").arg(times(num("speedup_b1"))));
    cells_[LatencyB64][Fp32]->setText(milliseconds(num("fp32_latency_ms_b64")));
    cells_[LatencyB64][Int8]->setText(milliseconds(num("int8_latency_ms_b64")));
    setRatio(LatencyB64, num("speedup_b64"), tr("%1 faster").arg(times(num("speedup_b64"))));

    const QLocale locale;
    const qint64 fp32Bytes = s.value(QStringLiteral("fp32_size_bytes")).toInteger();
    const qint64 int8Bytes = s.value(QStringLiteral("int8_size_bytes")).toInteger();
    cells_[Size][Fp32]->setText(locale.formattedDataSize(fp32Bytes));
    cells_[Size][Fp32]->setToolTip(tr("%1 bytes").arg(locale.toString(fp32Bytes)));
    cells_[Size][Int8]->setText(locale.formattedDataSize(int8Bytes));
    cells_[Size][Int8]->setToolTip(tr("%1 bytes").arg(locale.toString(int8Bytes)));
    setRatio(Size, num("size_ratio"), tr("%1 smaller").arg(times(num("size_ratio"))));

    for (int r = 0; r < RowCount; ++r) cells_[r][Ptq]->setText(r == Accuracy ? QString() : kDash);
    if (qat) {
        cells_[Accuracy][Ptq]->setText(tr("%1 (retains %2)")
                                           .arg(percent(num("ptq_int8_accuracy")),
                                                percent(num("ptq_accuracy_retention"))));
        const double gain = num("int8_accuracy") - num("ptq_int8_accuracy");
        cells_[Accuracy][Ptq]->setToolTip(tr("QAT changed the INT8 accuracy by %1 points")
                                              .arg(gain * 100.0, 0, 'f', 2));
    }
    showPtqColumn(qat);
    columnHeads_[Int8]->setText(qat ? tr("INT8, QAT") : tr("INT8"));

    const QString preset = s.value(QStringLiteral("preset")).toString();
    const QString arch = s.value(QStringLiteral("arch")).toString();
    headline_->setText(tr("<b>Run %1</b> · %2 (%3) · %4 · observer %5 · INT8 kernel %6")
                           .arg(run)
                           .arg(preset.toHtmlEscaped(), arch.toHtmlEscaped(),
                                qat ? tr("quantization-aware training") : tr("post-training quantization"),
                                s.value(QStringLiteral("observer")).toString().toHtmlEscaped(),
                                s.value(QStringLiteral("kernel")).toString().toHtmlEscaped()));
    const int alerts = s.value(QStringLiteral("alerts")).toInt();
    QString footer = tr("Largest layer error %1").arg(num("max_layer_error"), 0, 'g', 3);
    if (alerts > 0) footer += tr(" · %n layer(s) above the alert threshold", nullptr, alerts);
    footer += tr(" · %1 s").arg(num("wall_s"), 0, 'f', 1);
    const QString model = s.value(QStringLiteral("int8_model")).toString();
    if (!model.isEmpty()) footer += tr("\nINT8 model: %1").arg(model);
    footer_->setText(footer);
    filled_ = true;
    return true;
}

}  // namespace sparq::ui
