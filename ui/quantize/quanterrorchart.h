#pragma once
// QuantErrorChart: where an INT8 model loses precision. One bar per quantized layer, its
// relative output error against the float model (||y_int8 - y_fp32|| / ||y_fp32|| on a
// validation batch), the alert threshold as a dashed line, and the layers above it in a
// warning colour.
#include <QColor>
#include <QJsonArray>
#include <QString>
#include <QVector>

#include <qcustomplot.h>

namespace sparq::ui {

class QuantErrorChart : public QCustomPlot {
    Q_OBJECT
public:
    struct Layer {
        QString name;  // fc0, conv1, gated0, head, ...
        QString kind;  // linear | conv | gated
        double error = 0.0;
    };
    /// The "layers" array of a quantization run's summary.
    static QVector<Layer> layersFromJson(const QJsonArray& layers);
    static QColor barColor() { return QColor(31, 119, 180); }
    static QColor warningColor() { return QColor(230, 126, 34); }

    explicit QuantErrorChart(QWidget* parent = nullptr);

    /// Draws one bar per layer, in the order given, against `threshold`.
    void setLayers(const QVector<Layer>& layers, double threshold);
    /// Removes the bars and shows `message` in their place.
    void clear(const QString& message);

    const QVector<Layer>& layers() const { return layers_; }
    int layerCount() const { return int(layers_.size()); }
    double threshold() const { return threshold_; }
    /// Whether layer i's error is above the threshold (drawn in warningColor()).
    bool isAboveThreshold(int i) const;
    /// Bars of the layers within the threshold, and of those above it (key i + 1 = layer i).
    QCPBars* bars() const { return bars_; }
    QCPBars* warningBars() const { return warningBars_; }
    QCPItemStraightLine* thresholdLine() const { return thresholdLine_; }
    /// The x axis' tick labels, in layer order.
    QStringList tickLabels() const;

private:
    QCPBars* bars_ = nullptr;
    QCPBars* warningBars_ = nullptr;
    QCPItemStraightLine* thresholdLine_ = nullptr;
    QCPItemText* thresholdLabel_ = nullptr;
    QCPItemText* placeholder_ = nullptr;
    QSharedPointer<QCPAxisTickerText> ticker_;
    QVector<QCPItemText*> valueLabels_;
    QVector<Layer> layers_;
    double threshold_ = 0.0;
};

}  // namespace sparq::ui
