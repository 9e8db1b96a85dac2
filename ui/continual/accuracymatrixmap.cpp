#include "continual/accuracymatrixmap.h"

#include <algorithm>

#include <QFontMetrics>

namespace sparq::ui {

AccuracyMatrixMap::AccuracyMatrixMap(const QString& title, QWidget* parent)
    : CellHeatMap(title, tr("test accuracy"), 1, parent) {
    setMinimumSize(260, 200);
    xAxis->setLabel(tr("task evaluated"));
    yAxis->setLabel(tr("after training task"));
    setFixedDataRange(QCPRange(0.0, 1.0));
    connect(this, &QCustomPlot::afterLayout, this, &AccuracyMatrixMap::updateTextVisibility);
    reset(0, tr("No run on show"));
}

void AccuracyMatrixMap::reset(int tasks, const QString& message) {
    for (QCPItemText* label : labels_)
        if (label) removeItem(label);
    labels_.clear();
    message_ = message;
    setGrid(tasks, tasks);
    labels_.assign(std::size_t(tasks) * std::size_t(tasks), nullptr);
    redraw();
}

void AccuracyMatrixMap::grow(int tasks) {
    const int old = this->tasks();
    std::vector<std::optional<double>> values;
    for (int i = 0; i < old; ++i)
        for (int j = 0; j < old; ++j) values.push_back(cell(i, j));
    std::vector<QCPItemText*> labels(std::size_t(tasks) * std::size_t(tasks), nullptr);
    for (int i = 0; i < old; ++i)
        for (int j = 0; j < old; ++j) labels[std::size_t(i * tasks + j)] = labels_[std::size_t(i * old + j)];
    labels_ = std::move(labels);
    setGrid(tasks, tasks);
    for (int i = 0; i < old; ++i)
        for (int j = 0; j < old; ++j)
            if (const auto v = values[std::size_t(i * old + j)]) setCell(i, j, *v);
}

void AccuracyMatrixMap::setTaskCount(int tasks) {
    if (tasks <= this->tasks()) return;
    grow(tasks);
    redraw();
}

void AccuracyMatrixMap::setAccuracy(int row, int column, double accuracy) {
    if (row < 0 || column < 0) return;
    const int needed = std::max(row, column) + 1;
    if (needed > tasks()) grow(needed);
    setCell(row, column, accuracy);
    QCPItemText*& label = labels_[std::size_t(row * tasks() + column)];
    if (!label) {
        label = new QCPItemText(this);
        label->position->setCoords(coordOf(column), coordOf(row));
        label->setPositionAlignment(Qt::AlignCenter);
        label->setFont(QFont(font().family(), font().pointSize() - 1));
        label->setClipToAxisRect(true);
        label->setVisible(showText_);
    }
    label->setText(QString::number(accuracy, 'f', 2));
    // Dark text on the bright end of the thermal scale, light text on the dark end.
    label->setColor(accuracy >= 0.5 ? Qt::black : Qt::white);
    redraw();
}

QString AccuracyMatrixMap::cellText(int row, int column) const {
    if (!cell(row, column)) return {};
    const QCPItemText* label = labels_[std::size_t(row * tasks() + column)];
    return label ? label->text() : QString();
}

QString AccuracyMatrixMap::placeholderText() const { return message_; }

void AccuracyMatrixMap::updateTextVisibility() {
    const int n = std::max(1, tasks());
    const QFontMetrics metrics(QFont(font().family(), font().pointSize() - 1));
    const bool readable = axisRect()->width() / n >= metrics.horizontalAdvance(QStringLiteral("0.00")) + 4 &&
                          axisRect()->height() / n >= metrics.height();
    if (readable == showText_) return;
    showText_ = readable;
    for (QCPItemText* label : labels_)
        if (label) label->setVisible(readable);
}

}  // namespace sparq::ui
