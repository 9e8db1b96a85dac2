#include "continual/fisherimportancechart.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "charts/plotframe.h"

namespace sparq::ui {

FisherImportanceChart::FisherImportanceChart(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("fisherChart"));
    plot_->setMinimumSize(260, 200);
    frameChart(plot_, tr("Fisher importance per parameter tensor (EWC)"));
    plot_->yAxis->setLabel(tr("mean diagonal Fisher"));
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    plot_->yAxis->setNumberFormat(QStringLiteral("eb"));
    plot_->yAxis->setNumberPrecision(0);
    plot_->xAxis->grid()->setVisible(false);
    plot_->xAxis->setSubTicks(false);
    plot_->xAxis->setTickLabelRotation(-30);
    plot_->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText));
    bars_ = new QCPBars(plot_->xAxis, plot_->yAxis);
    bars_->setWidth(0.6);
    bars_->setPen(QPen(lineColor(0).darker(130)));
    bars_->setBrush(lineColor(0));
    placeholder_ = addPlaceholder(plot_);
    layout->addWidget(plot_, 1);

    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("After task:"), this));
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName(QStringLiteral("fisherTaskSlider"));
    slider_->setPageStep(1);
    slider_->setTickPosition(QSlider::TicksBelow);
    slider_->setToolTip(tr("The task after which the Fisher information on show was estimated"));
    row->addWidget(slider_, 1);
    taskLabel_ = new QLabel(this);
    taskLabel_->setObjectName(QStringLiteral("fisherTaskLabel"));
    row->addWidget(taskLabel_);
    layout->addLayout(row);

    connect(slider_, &QSlider::valueChanged, this, [this](int value) {
        following_ = value == slider_->maximum();
        draw();
    });
    clear(tr("No run on show"));
}

void FisherImportanceChart::addMean(int task, const QString& param, double mean) {
    if (task < 0) return;
    int index = int(params_.indexOf(param));
    if (index < 0) {
        params_.push_back(param);
        index = int(params_.size()) - 1;
    }
    if (task >= taskCount()) means_.resize(std::size_t(task) + 1);
    auto& row = means_[std::size_t(task)];
    if (index >= int(row.size())) row.resize(std::size_t(index) + 1);
    row[std::size_t(index)] = mean;
}

void FisherImportanceChart::refresh() {
    {
        const QSignalBlocker block(slider_);
        slider_->setRange(0, std::max(0, taskCount() - 1));
        if (following_) slider_->setValue(slider_->maximum());
    }
    slider_->setEnabled(taskCount() > 1);
    draw();
}

void FisherImportanceChart::clear(const QString& message) {
    params_.clear();
    means_.clear();
    following_ = true;
    placeholder_->setText(message);
    refresh();
}

void FisherImportanceChart::showTask(int task) { slider_->setValue(std::clamp(task, 0, std::max(0, taskCount() - 1))); }

int FisherImportanceChart::shownTask() const { return taskCount() > 0 ? slider_->value() : -1; }

std::optional<double> FisherImportanceChart::mean(int task, const QString& param) const {
    const int index = int(params_.indexOf(param));
    if (task < 0 || task >= taskCount() || index < 0) return std::nullopt;
    const auto& row = means_[std::size_t(task)];
    return index < int(row.size()) ? row[std::size_t(index)] : std::nullopt;
}

QStringList FisherImportanceChart::tickLabels() const {
    QStringList out;
    const auto ticker = qSharedPointerCast<QCPAxisTickerText>(plot_->xAxis->ticker());
    for (auto it = ticker->ticks().constBegin(); it != ticker->ticks().constEnd(); ++it) out << it.value();
    return out;
}

void FisherImportanceChart::draw() {
    const int task = shownTask();
    const auto ticker = qSharedPointerCast<QCPAxisTickerText>(plot_->xAxis->ticker());
    ticker->clear();
    QVector<double> keys, values;
    double low = std::numeric_limits<double>::infinity(), high = 0.0;
    for (int i = 0; i < params_.size(); ++i) {
        ticker->addTick(i + 1, params_[i]);
        const auto v = mean(task, params_[i]);
        if (!v || !(*v > 0)) continue;  // a log scale has no place for 0
        keys.push_back(i + 1);
        values.push_back(*v);
        low = std::min(low, *v);
        high = std::max(high, *v);
    }
    bars_->setData(keys, values, true);
    plot_->xAxis->setRange(0.4, std::max<double>(1, params_.size()) + 0.6);
    if (high > 0) plot_->yAxis->setRange(low / 3.0, high * 3.0);
    placeholder_->setVisible(task < 0);
    taskLabel_->setText(task < 0 ? tr("—") : tr("%1 of %2").arg(task + 1).arg(taskCount()));
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace sparq::ui
