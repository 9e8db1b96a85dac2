#include "quantize/quanterrorchart.h"

#include <algorithm>

#include <QJsonObject>

#include "charts/plotframe.h"

namespace sparq::ui {

QVector<QuantErrorChart::Layer> QuantErrorChart::layersFromJson(const QJsonArray& array) {
    QVector<Layer> out;
    out.reserve(array.size());
    for (const QJsonValue& v : array) {
        const QJsonObject o = v.toObject();
        out.push_back({o.value(QStringLiteral("name")).toString(), o.value(QStringLiteral("kind")).toString(),
                       o.value(QStringLiteral("error")).toDouble()});
    }
    return out;
}

QuantErrorChart::QuantErrorChart(QWidget* parent) : QCustomPlot(parent) {
    setObjectName(QStringLiteral("quantErrorChart"));
    setMinimumSize(320, 200);
    plotLayout()->insertRow(0);
    plotLayout()->addElement(0, 0,
                             new QCPTextElement(this, tr("Quantization error per layer (final INT8 model)"),
                                                QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    yAxis->setLabel(tr("relative output error"));
    xAxis->grid()->setVisible(false);
    xAxis->setSubTicks(false);
    xAxis->setTickLength(0, 4);
    ticker_.reset(new QCPAxisTickerText);
    xAxis->setTicker(ticker_);

    bars_ = new QCPBars(xAxis, yAxis);
    bars_->setName(tr("within threshold"));
    warningBars_ = new QCPBars(xAxis, yAxis);
    warningBars_->setName(tr("above threshold"));
    for (QCPBars* b : {bars_, warningBars_}) {
        const QColor c = b == bars_ ? barColor() : warningColor();
        b->setWidth(0.6);
        b->setPen(QPen(c.darker(130)));
        b->setBrush(c);
    }

    thresholdLine_ = new QCPItemStraightLine(this);
    thresholdLine_->setPen(QPen(QColor(214, 39, 40), 1.2, Qt::DashLine));
    thresholdLabel_ = new QCPItemText(this);
    thresholdLabel_->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    thresholdLabel_->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
    thresholdLabel_->position->setTypeY(QCPItemPosition::ptPlotCoords);
    thresholdLabel_->setColor(QColor(214, 39, 40));
    thresholdLabel_->setClipToAxisRect(true);

    placeholder_ = addPlaceholder(this);

    clear(tr("No run on show"));
}

bool QuantErrorChart::isAboveThreshold(int i) const {
    return i >= 0 && i < layers_.size() && layers_[i].error > threshold_;
}

QStringList QuantErrorChart::tickLabels() const {
    QStringList out;
    for (auto it = ticker_->ticks().constBegin(); it != ticker_->ticks().constEnd(); ++it) out << it.value();
    return out;
}

void QuantErrorChart::clear(const QString& message) {
    setLayers({}, threshold_);
    placeholder_->setText(message);
    placeholder_->setVisible(true);
    replot(rpQueuedReplot);
}

void QuantErrorChart::setLayers(const QVector<Layer>& layers, double threshold) {
    layers_ = layers;
    threshold_ = threshold;
    for (QCPItemText* label : valueLabels_) removeItem(label);
    valueLabels_.clear();

    QVector<double> keys, values, warnKeys, warnValues;
    ticker_->clear();
    double top = threshold;
    for (int i = 0; i < layers_.size(); ++i) {
        const double key = i + 1;
        ticker_->addTick(key, layers_[i].name);
        (isAboveThreshold(i) ? warnKeys : keys).push_back(key);
        (isAboveThreshold(i) ? warnValues : values).push_back(layers_[i].error);
        top = std::max(top, layers_[i].error);

        auto* label = new QCPItemText(this);
        label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        label->position->setCoords(key, layers_[i].error);
        label->setText(QString::number(layers_[i].error, 'g', 3));
        label->setColor(isAboveThreshold(i) ? warningColor().darker(140) : QColor(60, 60, 60));
        label->setFont(QFont(font().family(), font().pointSize() - 1));
        valueLabels_.push_back(label);
    }
    bars_->setData(keys, values, true);
    warningBars_->setData(warnKeys, warnValues, true);

    xAxis->setRange(0.4, std::max<double>(1, layers_.size()) + 0.6);
    yAxis->setRange(0.0, top > 0 ? top * 1.2 : 1.0);
    thresholdLine_->point1->setCoords(0.0, threshold_);
    thresholdLine_->point2->setCoords(1.0, threshold_);
    thresholdLine_->setVisible(threshold_ > 0);
    thresholdLabel_->position->setCoords(0.99, threshold_);
    thresholdLabel_->setText(tr("alert threshold %1").arg(threshold_, 0, 'g', 3));
    thresholdLabel_->setVisible(threshold_ > 0 && !layers_.isEmpty());
    placeholder_->setVisible(layers_.isEmpty());
    replot(rpQueuedReplot);
}

}  // namespace sparq::ui
