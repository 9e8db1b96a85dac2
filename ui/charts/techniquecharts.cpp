#include "charts/techniquecharts.h"

#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

namespace sparq::ui {

TechniqueCharts::TechniqueCharts(const QString& captionName, QWidget* parent) : QWidget(parent) {
    column_ = new QVBoxLayout(this);
    column_->setContentsMargins(0, 0, 0, 0);
    caption_ = new QLabel(this);
    caption_->setObjectName(captionName);
    column_->addWidget(caption_);
    timer_ = new QTimer(this);
    timer_->setInterval(33);
    connect(timer_, &QTimer::timeout, this, &TechniqueCharts::drain);
    timer_->start();
}

void TechniqueCharts::setCaption(profiler::RunId run, bool recorded) {
    run_ = run;
    recorded_ = recorded;
    caption_->setText(recorded ? tr("Run %1, from the history").arg(run) : tr("Run %1, live").arg(run));
}

void TechniqueCharts::clearCaption(const QString& text) {
    run_ = 0;
    recorded_ = false;
    caption_->setText(text);
}

}  // namespace sparq::ui
