#include "common/jobcontrolpanel.h"

#include <exception>

#include <QHBoxLayout>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

#include "common/errorlabel.h"
#include "common/joblogview.h"
#include "common/jobprogressbar.h"

namespace sparq::ui {

JobControlPanel::JobControlPanel(const QString& namePrefix, QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    buttons_ = new QHBoxLayout;
    start_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start"), this);
    start_->setObjectName(namePrefix + QStringLiteral("StartButton"));
    stop_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"), this);
    stop_->setObjectName(namePrefix + QStringLiteral("StopButton"));
    buttons_->addWidget(start_);
    buttons_->addWidget(stop_);
    buttons_->addStretch(1);
    layout->addLayout(buttons_);

    startError_ = new ErrorLabel(this);
    startError_->setObjectName(namePrefix + QStringLiteral("StartError"));
    layout->addWidget(startError_);
    progress_ = new JobProgressBar(this);
    progress_->setObjectName(namePrefix + QStringLiteral("Progress"));
    layout->addWidget(progress_);
    log_ = new JobLogView(this);
    log_->setObjectName(namePrefix + QStringLiteral("Log"));
    layout->addWidget(log_, 1);
}

bool JobControlPanel::launch(const std::function<void()>& submit) {
    try {
        submit();
    } catch (const std::exception& e) {
        startError_->showMessage(tr("Could not start the job: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    startError_->showMessage(QString());
    log_->clear();
    progress_->showBusy(tr("starting"));
    return true;
}

void JobControlPanel::addButton(QAbstractButton* button) {
    buttons_->insertWidget(buttons_->count() - 1, button);  // before the stretch
}

void JobControlPanel::setJobState(bool ownRunning, bool canStart, const QString& startTip) {
    start_->setEnabled(!ownRunning && canStart);
    start_->setToolTip(ownRunning ? tr("This page's job is running; wait for it or stop it first") : startTip);
    stop_->setEnabled(ownRunning);
}

void JobControlPanel::reportStarted(qint64 runId, const QString& device) {
    log_->append(tr("run %1 started on %2").arg(runId).arg(device));
}

void JobControlPanel::reportEnded(const engine::JobEnd& end, const QString& detail) {
    progress_->showEnded(end.status);
    if (end.status == engine::JobStatus::Failed) {
        log_->append(tr("run %1 failed: %2").arg(end.run_id).arg(QString::fromStdString(end.error)), true);
        return;
    }
    QString line = tr("run %1 %2").arg(end.run_id).arg(QString::fromUtf8(engine::to_string(end.status)));
    if (!detail.isEmpty()) line += QStringLiteral(" · ") + detail;
    log_->append(line);
}

}  // namespace sparq::ui
